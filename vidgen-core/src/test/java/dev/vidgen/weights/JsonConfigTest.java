package dev.vidgen.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonConfigTest {
  enum Kind implements ConfigEnum {
    EPSILON("epsilon"), V_PREDICTION("v_prediction");

    private final String n;

    Kind(String n) {
      this.n = n;
    }

    @Override
    public String jsonName() {
      return n;
    }
  }

  @Test
  void defaultsForAbsentAndNullFields() {
    JsonConfig c = JsonConfig.parse("unet/config.json", "{\"a\": 3, \"n\": null, \"_class_name\": \"X\"}");
    assertEquals(3, c.getInt("a", 7));
    assertEquals(7, c.getInt("n", 7));
    assertEquals(0.5, c.getDouble("missing", 0.5));
    assertEquals(Kind.EPSILON, c.getEnum("prediction_type", Kind.class, Kind.EPSILON));
    assertArrayEquals(new int[] {8, 8, 8}, c.getIntOrList("attention_head_dim", 8, 3, "block_out_channels"));
  }

  @Test
  void errorsNameFileAndField() {
    JsonConfig c = JsonConfig.parse("unet/config.json", "{\"layers_per_block\": \"two\", \"prediction_type\": \"x\", "
        + "\"attention_head_dim\": [8, 16], \"eps\": 1.5, \"flag\": 1}");
    ConfigException e1 = assertThrows(ConfigException.class, () -> c.getInt("layers_per_block", 2));
    assertTrue(e1.getMessage().startsWith("unet/config.json: layers_per_block"), e1.getMessage());
    ConfigException e2 = assertThrows(ConfigException.class,
        () -> c.getEnum("prediction_type", Kind.class, Kind.EPSILON));
    assertTrue(e2.getMessage().contains("prediction_type must be one of [epsilon, v_prediction], got 'x'"),
        e2.getMessage());
    ConfigException e3 = assertThrows(ConfigException.class,
        () -> c.getIntOrList("attention_head_dim", 8, 3, "block_out_channels"));
    assertTrue(e3.getMessage().contains("attention_head_dim has 2 entries but block_out_channels has 3"),
        e3.getMessage());
    assertThrows(ConfigException.class, () -> c.getInt("eps", 1));
    assertThrows(ConfigException.class, () -> c.getBool("flag", false));
  }

  @Test
  void reportsUnknownKeysAndReadsFiles(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("scheduler").resolve("scheduler_config.json");
    Files.createDirectories(f.getParent());
    Files.writeString(f, "{\"beta_start\": 0.00085, \"novel_option\": true, \"_diffusers_version\": \"0.32.2\", "
        + "\"lambda_min_clipped\": -Infinity, \"betas\": [1, 2]}");
    JsonConfig c = JsonConfig.read(f);
    assertEquals("scheduler/scheduler_config.json", c.file());
    c.getDouble("beta_start", 0);
    assertEquals(Double.NEGATIVE_INFINITY, c.getDouble("lambda_min_clipped", 0));
    assertArrayEquals(new double[] {1, 2}, c.getDoubleArray("betas", null));
    assertEquals(Set.of("novel_option"), c.unknownKeys());
    assertEquals(List.of("a"), JsonConfig.parse("x", "{\"l\": [\"a\"]}").getStringList("l", List.of()));
    ConfigException missing = assertThrows(ConfigException.class, () -> JsonConfig.read(tmp.resolve("nope.json")));
    assertTrue(missing.getMessage().contains("nope.json"), missing.getMessage());
    Files.writeString(f, "{broken");
    ConfigException broken = assertThrows(ConfigException.class, () -> JsonConfig.read(f));
    assertTrue(broken.getMessage().contains("scheduler_config.json"), broken.getMessage());
  }
}
