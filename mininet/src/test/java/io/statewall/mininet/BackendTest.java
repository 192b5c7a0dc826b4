package io.statewall.mininet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BackendTest {

  private final String saved = System.getProperty(Backend.PROPERTY);

  @AfterEach
  void restore() {
    if (saved == null) {
      System.clearProperty(Backend.PROPERTY);
    } else {
      System.setProperty(Backend.PROPERTY, saved);
    }
  }

  @Test
  void thePropertyForcesABackendInAnyCase() {
    System.setProperty(Backend.PROPERTY, "Local");
    assertThat(Backend.forced()).contains(Backend.LOCAL);
    System.setProperty(Backend.PROPERTY, "container");
    assertThat(Backend.forced()).contains(Backend.CONTAINER);
  }

  @Test
  void autoMeansNoPreference() {
    System.setProperty(Backend.PROPERTY, "auto");
    assertThat(Backend.forced()).isEmpty();
  }

  @Test
  void aTypoIsAClearError() {
    System.setProperty(Backend.PROPERTY, "docker");
    assertThatThrownBy(Backend::forced).hasMessageContaining("container, local or auto")
        .hasMessageContaining("'docker'");
  }
}
