package io.grade.testkit.kafka;

import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: one real KRaft broker per test class, on free loopback ports, stopped after
 * the class. Register with {@code @RegisterExtension static final KafkaBrokerExtension KAFKA = ...}
 * and use {@link #broker()}, or take an {@link EmbeddedKafkaBroker} test parameter.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private final Map<String, String> saslUsers;
    private EmbeddedKafkaBroker broker;

    /** A plain broker (PLAINTEXT, no authorizer). */
    public KafkaBrokerExtension() {
        this(null);
    }

    private KafkaBrokerExtension(Map<String, String> saslUsers) {
        this.saslUsers = saslUsers;
    }

    /** A secured broker ({@link EmbeddedKafkaBroker#startSecured}) with these SASL/PLAIN users (name -> password). */
    public static KafkaBrokerExtension secured(Map<String, String> users) {
        return new KafkaBrokerExtension(Map.copyOf(users));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = saslUsers == null ? EmbeddedKafkaBroker.start() : EmbeddedKafkaBroker.startSecured(saslUsers);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /** The running broker; only valid between beforeAll and afterAll. */
    public EmbeddedKafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("the broker runs only while the test class runs");
        }
        return broker;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == EmbeddedKafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return broker();
    }
}
