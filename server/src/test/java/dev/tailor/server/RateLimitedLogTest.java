package dev.tailor.server;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The log of refusals lets a burst through, then a steady few per second, and says what it left out. */
class RateLimitedLogTest {
    @Test
    void aBurstPassesThenOneLineASecondSayingHowManyWereLeftOut() {
        List<String> lines = new ArrayList<>();
        AtomicLong now = new AtomicLong();
        RateLimitedLog log = new RateLimitedLog(new ListLogger(lines), 3, 1, now::get);
        for (int i = 0; i < 10; i++) {
            log.log(System.Logger.Level.WARNING, "refused " + i);
        }
        assertEquals(List.of("refused 0", "refused 1", "refused 2"), lines);

        now.addAndGet(1_000_000_000L); // one second: one more line, with the seven left out
        log.log(System.Logger.Level.WARNING, "refused 10");
        log.log(System.Logger.Level.WARNING, "refused 11");
        assertEquals("refused 10 (7 similar lines left out before this one)", lines.get(3));
        assertEquals(4, lines.size());

        now.addAndGet(60_000_000_000L); // a quiet minute refills the burst, not more
        for (int i = 0; i < 5; i++) {
            log.log(System.Logger.Level.WARNING, "later " + i);
        }
        assertEquals(7, lines.size());
        assertEquals("later 0 (1 similar line left out before this one)", lines.get(4));
    }

    /** A System.Logger that appends its lines to a list. */
    private record ListLogger(List<String> lines) implements System.Logger {
        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(format);
        }

        @Override
        public void log(Level level, Supplier<String> msgSupplier) {
            lines.add(msgSupplier.get());
        }
    }
}
