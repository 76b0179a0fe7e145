package io.grade.core.policy;

import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide ND4J settings for the learner's small matrices (batch 256 by a few dozen columns).
 *
 * <p>By default ND4J runs OpenBLAS and libnd4j's OpenMP loops with one thread per core. For
 * matrices this small the thread hand-off costs more than the arithmetic, and in a Flink task
 * manager every slot would fight for the same cores. Measured on the 2-core build machine, a
 * 64x256 by 256x64 double matmul took 600-1200 us with default threading and 90-170 us with one
 * thread. The settings are made through ND4J's runtime API (no environment variable needed, so a
 * launched JVM gets them too); the BLAS thread count is the one that matters most.
 */
public final class Nd4jRuntime {

    /** System property overriding the thread count (default 1). */
    public static final String THREADS_PROPERTY = "grade.nd4j.threads";

    private static final Logger LOG = LoggerFactory.getLogger(Nd4jRuntime.class);
    private static volatile boolean configured;

    private Nd4jRuntime() {}

    /**
     * Sets ND4J master/worker threads, OpenBLAS threads and OpenMP threads to 1 (or the value of
     * {@value #THREADS_PROPERTY}). Idempotent and cheap after the first call.
     */
    public static void configureForSmallMatrices() {
        if (configured) {
            return;
        }
        synchronized (Nd4jRuntime.class) {
            if (configured) {
                return;
            }
            int threads = Integer.getInteger(THREADS_PROPERTY, 1);
            if (threads < 1) {
                throw new IllegalArgumentException(THREADS_PROPERTY + " must be >= 1, got " + threads);
            }
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            Nd4j.getEnvironment().setMaxThreads(threads);
            Nd4j.factory().blas().setMaxThreads(threads);
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
            LOG.info("ND4J configured for small matrices: {} thread(s) for BLAS, OpenMP and ND4J ops", threads);
            configured = true;
        }
    }

    /**
     * Native bytes ND4J holds now through JavaCPP (its arrays and workspaces; JavaCPP's
     * {@code Pointer.totalBytes()}): the part of the off-heap memory a TaskManager budget must cover.
     * Process-wide, shared by every slot of the JVM.
     */
    public static long offHeapBytes() {
        return Pointer.totalBytes();
    }

    /**
     * Resident set size of this process (JavaCPP's {@code Pointer.physicalBytes()}): heap, off-heap,
     * metaspace and the mapped native libraries together, to compare with the process size budget.
     */
    public static long physicalBytes() {
        return Pointer.physicalBytes();
    }

    /** The BLAS thread count ND4J reports now (for tests and diagnostics). */
    public static int blasThreads() {
        return Nd4j.factory().blas().getMaxThreads();
    }
}
