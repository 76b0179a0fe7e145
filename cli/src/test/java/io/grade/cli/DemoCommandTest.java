package io.grade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code grade demo} with a taken dashboard port: one line naming --web-port, exit code 2, nothing started. */
class DemoCommandTest {

    @Test
    void aTakenDashboardPortShouldBeOneLineNamingTheFlag() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(0));
            int port = taken.getLocalPort();
            assertThat(DemoCommand.webPortProblem(port)).contains("port " + port).contains("--web-port");

            PrintStream saved = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code;
            try {
                code = GradeCli.commandLine().execute("demo", "--web-port", String.valueOf(port), "--duration", "5");
            } finally {
                System.setErr(saved);
            }
            String printed = err.toString(StandardCharsets.UTF_8).strip();
            assertThat(code).isEqualTo(2);
            // one line and nothing else: refused before "starting Kafka broker ..." (no broker, no job)
            assertThat(printed.lines()).singleElement().asString().contains("--web-port");
        }
        try (ServerSocket free = new ServerSocket()) {
            free.bind(new InetSocketAddress(0));
            int port = free.getLocalPort();
            free.close();
            assertThat(DemoCommand.webPortProblem(port)).isNull();
        }
    }
}
