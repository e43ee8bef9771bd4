package dev.tailor.trainer.cli;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns on the CPU's flush-to-zero and denormals-are-zero modes (the FTZ and DAZ bits of x86-64's
 * MXCSR) for the calling thread and every thread it starts later: POSIX threads inherit the
 * floating-point environment, so running this before anything loads ND4J covers ND4J's and
 * oneDNN's worker threads too. TensorFlow trains this way by default; PyTorch offers it.
 *
 * <p>Why: a well-fitted model is confident, so many of its gradients are tiny, and the backward pass
 * multiplies them by small weights into subnormal floats (below 1.2e-38). Each vector instruction
 * that meets one takes a microcode assist. Measured on MiniResNet's resumed training: oneDNN's
 * backward-data convolution of the 512-filter stage took 2,256 ms a batch instead of 128 ms, and
 * the whole run trained at 26 instead of ~55 images/s. With these modes such values are zero,
 * which changes no result that a float could otherwise tell apart from zero.
 *
 * <p>It uses the foreign-function API (Java 22+) to call C's {@code fegetenv}/{@code fesetenv},
 * by reflection so the trainer still builds for Java 21; elsewhere (Java 21, not Linux x86-64) it
 * changes nothing and says why. Java code on this thread also sees subnormal floats as zero
 * afterwards; the trainer's own arithmetic never relies on them.
 */
final class FlushToZero {
    /** Set to {@code false} to train with IEEE subnormals (slower; for comparisons). */
    static final String PROPERTY = "tailor.flush-to-zero";
    private static final int MXCSR_OFFSET = 28; // glibc's and musl's x86-64 fenv_t: __mxcsr is the last of 32 bytes
    private static final int FENV_BYTES = 32;
    private static final int FTZ = 0x8000;
    private static final int DAZ = 0x0040;
    private static volatile float probe = Float.MIN_VALUE;

    private FlushToZero() {
    }

    /** What {@link #enable()} did: {@code active}, or why not. */
    record Outcome(boolean active, String detail) {
    }

    /** Enables the modes on this thread (unless the property turns them off) and checks that they hold. */
    static Outcome enable() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"))) {
            return new Outcome(false, "turned off with -D" + PROPERTY + "=false");
        }
        Optional<String> unsupported = whyUnsupported();
        if (unsupported.isPresent()) {
            return new Outcome(false, unsupported.get());
        }
        try {
            setMxcsrBits(FTZ | DAZ);
        } catch (Throwable e) { // reflection, the C calls, and MethodHandle.invoke, which declares Throwable
            return new Outcome(false, "fesetenv could not be called: " + e);
        }
        return probe * 1f == 0f ? new Outcome(true, "flush-to-zero and denormals-are-zero on")
                : new Outcome(false, "fesetenv returned but subnormals are still computed");
    }

    /** Why this platform cannot have the modes (only Linux x86-64 on Java 22+ can), or empty where it can. */
    static Optional<String> whyUnsupported() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Optional.of("only supported on Linux x86-64, not " + os + "/" + arch);
        }
        int feature = Runtime.version().feature();
        if (feature < 22) {
            return Optional.of("needs Java 22+ (the foreign-function API), this is Java " + feature);
        }
        return Optional.empty();
    }

    /** fegetenv, OR the bits into the saved MXCSR, fesetenv: all through java.lang.foreign, by reflection. */
    private static void setMxcsrBits(int bits) throws Throwable {
        Class<?> linkerType = Class.forName("java.lang.foreign.Linker");
        Class<?> optionType = Class.forName("java.lang.foreign.Linker$Option");
        Class<?> layoutType = Class.forName("java.lang.foreign.MemoryLayout");
        Class<?> valueLayoutType = Class.forName("java.lang.foreign.ValueLayout");
        Class<?> intLayoutType = Class.forName("java.lang.foreign.ValueLayout$OfInt");
        Class<?> descriptorType = Class.forName("java.lang.foreign.FunctionDescriptor");
        Class<?> segmentType = Class.forName("java.lang.foreign.MemorySegment");
        Class<?> lookupType = Class.forName("java.lang.foreign.SymbolLookup");
        Class<?> arenaType = Class.forName("java.lang.foreign.Arena");

        Object linker = linkerType.getMethod("nativeLinker").invoke(null);
        Object lookup = linkerType.getMethod("defaultLookup").invoke(linker);
        Object intLayout = valueLayoutType.getField("JAVA_INT").get(null);
        Object addressLayouts = Array.newInstance(layoutType, 1);
        Array.set(addressLayouts, 0, valueLayoutType.getField("ADDRESS").get(null));
        // int fegetenv(fenv_t *) and int fesetenv(const fenv_t *)
        Object descriptor = descriptorType.getMethod("of", layoutType, addressLayouts.getClass())
                .invoke(null, intLayout, addressLayouts);
        Method find = lookupType.getMethod("find", String.class);
        Object noOptions = Array.newInstance(optionType, 0);
        Method downcall = linkerType.getMethod("downcallHandle", segmentType, descriptorType, noOptions.getClass());
        MethodHandle fegetenv = (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "fegetenv"), descriptor, noOptions);
        MethodHandle fesetenv = (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "fesetenv"), descriptor, noOptions);
        Method getInt = segmentType.getMethod("get", intLayoutType, long.class);
        Method setInt = segmentType.getMethod("set", intLayoutType, long.class, int.class);

        try (AutoCloseable arena = (AutoCloseable) arenaType.getMethod("ofConfined").invoke(null)) {
            Object env = arenaType.getMethod("allocate", long.class, long.class).invoke(arena, (long) FENV_BYTES, 8L);
            check("fegetenv", (int) fegetenv.invoke(env));
            int mxcsr = (int) getInt.invoke(env, intLayout, (long) MXCSR_OFFSET);
            setInt.invoke(env, intLayout, (long) MXCSR_OFFSET, mxcsr | bits);
            check("fesetenv", (int) fesetenv.invoke(env));
        }
    }

    private static Object symbol(Method find, Object lookup, String name) throws ReflectiveOperationException {
        return ((Optional<?>) find.invoke(lookup, name))
                .orElseThrow(() -> new IllegalStateException(name + " not found in the C library"));
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            throw new IllegalStateException(call + " returned " + rc);
        }
    }
}
