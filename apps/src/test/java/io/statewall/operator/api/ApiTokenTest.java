package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a token, every route but /healthz wants it as a bearer token. */
class ApiTokenTest {
  static final String TOKEN = "s3cret-token-0123456789";

  @Test
  void requestsWithoutOrWithAWrongTokenAre401AndTheRightOneIsServed(@TempDir Path dir) throws Exception {
    try (RunningController c = new RunningController(dir, TOKEN)) {
      HttpResponse<String> none = c.send(HttpRequest.newBuilder(URI.create(c.base() + "/api/v1/conntrack")), false);
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.body()).contains("bearer token is required");
      HttpResponse<String> wrong = c.send(HttpRequest.newBuilder(URI.create(c.base() + "/metrics"))
          .header("Authorization", "Bearer nope"), false);
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(wrong.body()).contains("wrong bearer token");
      assertThat(c.get("/api/v1/conntrack").statusCode()).isEqualTo(200);
      assertThat(c.send(HttpRequest.newBuilder(URI.create(c.base() + "/healthz")), false).statusCode()).isEqualTo(200);
    }
  }
}
