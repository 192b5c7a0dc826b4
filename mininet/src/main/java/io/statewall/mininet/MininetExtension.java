package io.statewall.mininet;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that starts one network before a test class and closes it after (also when tests
 * fail). Register it in a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final MininetExtension NET = MininetExtension.of(
 *     MininetNetwork.builder().topology(Topology.single(3)).standalone());
 * }</pre>
 *
 * Tests then use {@code NET.network()} or take a {@link MininetNetwork} parameter.
 */
public final class MininetExtension implements BeforeAllCallback, AfterAllCallback,
    ParameterResolver {

  private final MininetNetwork.Builder builder;
  private MininetNetwork network;

  private MininetExtension(MininetNetwork.Builder builder) {
    this.builder = builder;
  }

  public static MininetExtension of(MininetNetwork.Builder builder) {
    return new MininetExtension(builder);
  }

  /** The running network (between beforeAll and afterAll). */
  public MininetNetwork network() {
    if (network == null) {
      throw new IllegalStateException("the network runs only while the test class runs; register "
          + "the extension on a static field with @RegisterExtension");
    }
    return network;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    network = builder.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (network != null) {
      try {
        network.close();
      } finally {
        network = null;
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == MininetNetwork.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return network();
  }
}
