package dev.vidgen.models.runway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vidgen.api.ConfigException;
import dev.vidgen.api.VideoPipeline;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Where the base URL, key and timings come from, and what is refused before any request. */
class RunwayConfigTest {
  private static final UnaryOperator<String> NONE = k -> null;

  private static UnaryOperator<String> of(Map<String, String> m) {
    return m::get;
  }

  @Test
  void aMissingKeyIsAnErrorNamingTheVariableBeforeAnyRequest() {
    ConfigException e = assertThrows(ConfigException.class, () -> RunwayConfig.resolve(Map.of(), NONE, NONE));
    assertTrue(e.getMessage().contains("no Runway API key: set the environment variable RUNWAYML_API_SECRET"),
        e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> RunwayConfig.resolve(Map.of(), NONE, of(Map.of("RUNWAYML_API_SECRET", "  "))));
    assertTrue(e.getMessage().contains("environment variable RUNWAYML_API_SECRET is empty"), e.getMessage());
  }

  @Test
  void loadingWithoutAKeyFailsAtOnce() {
    assumeTrue(System.getenv("RUNWAYML_API_SECRET") == null && System.getProperty("RUNWAYML_API_SECRET") == null,
        "this machine has a Runway key set");
    ConfigException e = assertThrows(ConfigException.class, () -> VideoPipeline.load("runway:gen4.5"));
    assertTrue(e.getMessage().contains("RUNWAYML_API_SECRET"), e.getMessage());
  }

  @Test
  void optionsBeatSystemPropertiesWhichBeatTheEnvironment() {
    UnaryOperator<String> env = of(Map.of("RUNWAYML_API_SECRET", "env-key", "RUNWAYML_BASE_URL",
        "https://env.example"));
    assertEquals("https://api.dev.runwayml.com", RunwayConfig.resolve(Map.of(), NONE,
        of(Map.of("RUNWAYML_API_SECRET", "k"))).baseUrl().toString(), "the default");
    assertEquals("https://env.example", RunwayConfig.resolve(Map.of(), NONE, env).baseUrl().toString());
    UnaryOperator<String> props = of(Map.of("RUNWAYML_BASE_URL", "http://127.0.0.1:9/", "runway.timeout", "90s"));
    RunwayConfig c = RunwayConfig.resolve(Map.of(), props, env);
    assertEquals("http://127.0.0.1:9", c.baseUrl().toString(), "system property, trailing slash dropped");
    assertEquals(Duration.ofSeconds(90), c.timeout());
    c = RunwayConfig.resolve(Map.of("runway.baseUrl", "https://proxy.example/runway", "runway.timeout", "PT2M",
        "runway.pollInterval", "250ms", "runway.maxRetries", "2"), props, env);
    assertEquals("https://proxy.example/runway", c.baseUrl().toString());
    assertEquals("https://proxy.example/runway/v1/tasks/t", c.resolve("/v1/tasks/t").toString());
    assertEquals(Duration.ofMinutes(2), c.timeout());
    assertEquals(Duration.ofMillis(250), c.pollInterval());
    assertEquals(2, c.maxRetries());
  }

  @Test
  void plainHttpOnlyForLoopbackAndBadValuesNameTheirSource() {
    UnaryOperator<String> key = of(Map.of("RUNWAYML_API_SECRET", "k"));
    ConfigException e = assertThrows(ConfigException.class,
        () -> RunwayConfig.resolve(Map.of(), NONE, of(Map.of("RUNWAYML_API_SECRET", "k", "RUNWAYML_BASE_URL",
            "http://api.example.com"))));
    assertTrue(e.getMessage().contains("environment variable RUNWAYML_BASE_URL must use https://"), e.getMessage());
    assertEquals("http://localhost:8080", RunwayConfig.resolve(Map.of("runway.baseUrl", "http://localhost:8080"),
        NONE, key).baseUrl().toString());
    e = assertThrows(ConfigException.class,
        () -> RunwayConfig.resolve(Map.of("runway.timeout", "soon"), NONE, key));
    assertTrue(e.getMessage().contains("option runway.timeout must be a duration such as 500ms"), e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> RunwayConfig.resolve(Map.of("runway.maxRetries", "-1"), NONE, key));
    assertTrue(e.getMessage().contains("maxRetries must be in [0, 20] but was -1"), e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> RunwayConfig.resolve(Map.of("runway.baseUrl", "api.dev.runwayml.com"), NONE, key));
    assertTrue(e.getMessage().contains("must be an absolute https:// URL"), e.getMessage());
  }

  @Test
  void theKeyIsNotInToStringAndGoesOutAsABearerToken() {
    RunwayConfig c = RunwayConfig.resolve(Map.of("runway.apiKey", "key_abc123"), NONE, NONE);
    assertFalse(c.toString().contains("key_abc123"), c.toString());
    assertTrue(c.toString().contains("ApiKey[redacted]"), c.toString());
    assertEquals("Bearer key_abc123", c.apiKey().bearer());
    assertEquals("echo [redacted]!", c.apiKey().redact("echo key_abc123!"));
  }
}
