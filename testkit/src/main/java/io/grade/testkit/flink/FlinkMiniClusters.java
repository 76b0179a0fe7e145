package io.grade.testkit.flink;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The Flink runtime settings every ITCase and the demo share: RocksDB keyed state, incremental
 * checkpoints to a local directory, retained on cancellation, and generic (Kryo) types disabled so
 * a missing Flink serializer fails loudly instead of silently falling back.
 */
public final class FlinkMiniClusters {

    private FlinkMiniClusters() {}

    /** RocksDB + checkpointing configuration; {@code interval} null leaves checkpointing to the job. */
    public static Configuration rocksDbCheckpointing(Path checkpointDir, Duration interval) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir.toUri().toString());
        conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, checkpointDir.resolve("savepoints").toUri().toString());
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (interval != null) {
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, interval);
        }
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // Small managed memory: RocksDB gets enough for tests and the demo on a 2-core laptop.
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(256));
        return conf;
    }

    /** A MiniCluster extension with one TaskManager of {@code slots} slots and the settings above. */
    public static MiniClusterExtension extension(int slots, Path checkpointDir, Duration interval) {
        return new MiniClusterExtension(() -> new MiniClusterResourceConfiguration.Builder()
                .setConfiguration(rocksDbCheckpointing(checkpointDir, interval))
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(slots)
                .build());
    }
}
