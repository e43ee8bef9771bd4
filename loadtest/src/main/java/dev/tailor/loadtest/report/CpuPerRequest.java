package dev.tailor.loadtest.report;

import dev.tailor.loadtest.cpu.CpuUse;

/**
 * What one request cost in CPU over a measured run: the server's microseconds (NaN when it was not
 * measured) and the load generator's own, each process's CPU over the window divided by the
 * requests Gatling recorded in it (answered or failed).
 */
public record CpuPerRequest(double serverMicros, double loadGeneratorMicros, long requests) {

    /** Per request of {@code requests}; null when nothing was measured or no request was sent. */
    public static CpuPerRequest of(CpuUse used, long requests) {
        if (used == null || requests <= 0) {
            return null;
        }
        double server = used.serverMeasured() ? used.serverNanos() / 1000.0 / requests : Double.NaN;
        return new CpuPerRequest(server, used.loadGeneratorNanos() / 1000.0 / requests, requests);
    }
}
