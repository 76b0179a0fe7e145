package io.grade.testkit.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FlinkMiniClustersTest {

    static final Path CHECKPOINTS = createTempDir();
    static final Set<String> BACKENDS = ConcurrentHashMap.newKeySet();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMiniClusters.extension(2, CHECKPOINTS, Duration.ofMillis(200));

    @Test
    void shouldRunKeyedOperatorsOnRocksDb() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.fromSequence(1, 1000)
                .keyBy(v -> v % 7)
                .transform("probe", Types.LONG, new BackendProbe())
                .uid("probe")
                .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>());
        env.execute("rocksdb-probe");
        assertThat(BACKENDS).isNotEmpty().allMatch(name -> name.contains("RocksDB"));
    }

    static final class BackendProbe extends AbstractStreamOperator<Long> implements OneInputStreamOperator<Long, Long> {
        @Override
        public void processElement(StreamRecord<Long> element) {
            BACKENDS.add(getKeyedStateBackend().getClass().getSimpleName());
            output.collect(element);
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("grade-ckpt-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
