package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document is right about the wire: it parses as OpenAPI 3.1 with no complaint, and the
 * answers a running controller really gives (each route's JSON, errors too) validate against the
 * schemas it names for them, while an answer with a field too many or one missing does not.
 */
class OpenApiSchemaTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  @TempDir static Path dir;
  static RunningController c;
  static JsonNode doc;

  @BeforeAll
  static void start() throws Exception {
    c = new RunningController(dir);
    c.connect(40000, 22);
    HttpResponse<String> r = c.get("/api/v1/openapi.json");
    assertThat(r.statusCode()).isEqualTo(200);
    doc = JSON.readTree(r.body());
  }

  @AfterAll
  static void stop() {
    c.close();
  }

  @Test
  void theDocumentParsesAsOpenApiWithoutMessages() throws Exception {
    SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(JSON.writeValueAsString(doc));
    assertThat(parsed.getMessages()).isEmpty();
    assertThat(parsed.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
    assertThat(parsed.getOpenAPI().getPaths()).containsKeys("/api/v1/conntrack", "/api/v1/policy", "/api/v1/trace",
        "/healthz", "/api/v1/events/verdicts");
    assertThat(parsed.getOpenAPI().getComponents().getSchemas())
        .containsKeys("ConnectionView", "PageOfConnectionView", "PolicyRequest", "TraceView", "VerdictEvent",
            "NetworkSnapshot", "ErrorView", "ClusterView", "ClusterMemberView", "MastershipView");
  }

  @Test
  void everyJsonAnswerValidatesAgainstItsRoutesSchema() throws Exception {
    for (String path : List.of("/healthz", "/api/v1/switches", "/api/v1/links", "/api/v1/hosts",
        "/api/v1/conntrack", "/api/v1/expectations", "/api/v1/policy", "/api/v1/policy/counters", "/api/v1/cluster")) {
      assertValid("get", path, "200", c.get(path));
    }
    assertValid("get", "/api/v1/conntrack", "200", c.get("/api/v1/conntrack?dport=22&limit=1&sort=dport&order=desc"));
    assertValid("get", "/api/v1/trace", "200", c.get("/api/v1/trace?src=10.0.0.9&dst=10.0.0.1&dport=22&sport=40000"));
    assertValid("get", "/api/v1/trace", "200", c.get("/api/v1/trace?src=10.0.0.9&dst=255.255.255.255&proto=udp&dport=67"));
    assertValid("put", "/api/v1/policy", "200", c.put("/api/v1/policy?dry-run=true", c.policyBody("strict.yaml")));
    assertValid("delete", "/api/v1/conntrack", "200", c.delete("/api/v1/conntrack?dport=9"));
  }

  @Test
  void requestBodiesAndErrorsValidateToo() throws Exception {
    assertThat(errors(schema("put", "/api/v1/policy", null), c.policyBody("strict.yaml"))).isEmpty();
    HttpResponse<String> bad = c.get("/api/v1/conntrack?proto=nope");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertValid("get", "/api/v1/conntrack", "400", bad);
    HttpResponse<String> noToken = c.send(HttpRequest.newBuilder(
        URI.create(c.base() + "/api/v1/switches")).GET(), false);
    assertValid("get", "/api/v1/switches", "401", noToken);
  }

  @Test
  void aWrongShapeIsRefused() throws Exception {
    Schema page = schema("get", "/api/v1/conntrack", "200");
    ObjectNode real = (ObjectNode) JSON.readTree(c.get("/api/v1/conntrack").body());
    assertThat(errors(page, real.toString())).isEmpty();
    ObjectNode extra = real.deepCopy();
    ((ObjectNode) extra.get("items").get(0)).put("colour", "blue");
    assertThat(errors(page, extra.toString())).isNotEmpty();
    ObjectNode missing = real.deepCopy();
    ((ObjectNode) missing.get("items").get(0)).remove("line");
    assertThat(errors(page, missing.toString())).isNotEmpty();
    ObjectNode wrongType = real.deepCopy();
    wrongType.put("total", "many");
    assertThat(errors(page, wrongType.toString())).isNotEmpty();
  }

  private static void assertValid(String method, String path, String status, HttpResponse<String> r) {
    assertThat(r.statusCode()).as("%s %s", method, path).isEqualTo(Integer.parseInt(status));
    assertThat(errors(schema(method, path, status), r.body())).as("%s %s answered %s", method, path, r.body())
        .isEmpty();
  }

  private static List<Error> errors(Schema schema, String body) {
    return schema.validate(body, InputFormat.JSON);
  }

  /**
   * The schema the document gives for a route's answer with {@code status} (null: its request body),
   * with the document's components beside it so that its references resolve.
   */
  private static Schema schema(String method, String path, String status) {
    JsonNode op = doc.get("paths").get(path).get(method.toLowerCase(Locale.ROOT));
    JsonNode content = status == null ? op.get("requestBody").get("content")
        : op.get("responses").get(status).get("content");
    ObjectNode s = ((ObjectNode) content.get("application/json").get("schema")).deepCopy();
    s.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    s.set("components", doc.get("components"));
    return SCHEMAS.getSchema(s.toString(), InputFormat.JSON);
  }
}
