package dev.tailor.trainer.model;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Builds a SameDiff graph's gradient function without its console noise: M2.1 prints
 * "Added differentiated op …" with {@code System.out.println} for every op it differentiates
 * (hundreds of lines per model). While it runs, standard output goes through a filter that drops
 * exactly those lines and forwards everything else, then the original stream is put back.
 */
final class QuietGradients {
    private static final String NOISE = "Added differentiated op ";

    private QuietGradients() {
    }

    static synchronized void createGradFunction(SameDiff sd) {
        PrintStream original = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream(), true, Charset.defaultCharset()) {
            @Override
            public void println(String line) {
                if (line == null || !line.startsWith(NOISE)) {
                    original.println(line);
                }
            }

            @Override
            public void print(String s) {
                original.print(s);
            }

            @Override
            public void write(byte[] buf, int off, int len) {
                original.write(buf, off, len);
            }

            @Override
            public void flush() {
                original.flush();
            }
        });
        try {
            sd.createGradFunction();
        } finally {
            System.setOut(original);
        }
    }
}
