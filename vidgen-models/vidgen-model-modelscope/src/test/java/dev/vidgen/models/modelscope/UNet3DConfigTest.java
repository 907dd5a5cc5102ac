package dev.vidgen.models.modelscope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.vidgen.api.ConfigException;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.weights.JsonConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link UNet3DConfig}: diffusers' defaults for absent fields, and errors that name the file and the field. */
class UNet3DConfigTest {
  static final String FILE = "unet/config.json";

  static JsonConfig tiny() {
    return JsonConfig.read(Fixtures.caseDir("modelscope-tiny").resolve("model/unet/config.json"));
  }

  static JsonConfig with(String key, JsonElement value) {
    JsonObject o = tiny().json().deepCopy();
    o.add(key, value);
    return new JsonConfig(FILE, o);
  }

  static JsonArray ints(int... v) {
    JsonArray a = new JsonArray();
    for (int x : v) {
      a.add(x);
    }
    return a;
  }

  static void assertRejected(JsonConfig json, String field, String... more) {
    ConfigException e = assertThrows(ConfigException.class, () -> UNet3DConfig.parse(json));
    String m = e.getMessage();
    assertTrue(m.startsWith(FILE + ": ") && m.contains(field), "message should name " + FILE + " and " + field
        + ": " + m);
    for (String s : more) {
      assertTrue(m.contains(s), "message should contain '" + s + "': " + m);
    }
  }

  @Test
  void parsesTheTinyFixture() {
    UNet3DConfig c = UNet3DConfig.parse(tiny());
    assertEquals(List.of(16, 32), c.blockOutChannels());
    assertEquals(List.of(UNet3DConfig.DownBlockType.CROSS_ATTN_DOWN_BLOCK_3D, UNet3DConfig.DownBlockType.DOWN_BLOCK_3D),
        c.downBlockTypes());
    assertEquals(4, c.attentionHeadDim());
    assertEquals(4, c.headsAt(16));
    assertEquals(64, c.timeEmbedDim());
    assertNull(c.timeCondProjDim());
    assertEquals(Integer.valueOf(8), c.sampleSize());
  }

  @Test
  void absentFieldsTakeDiffusersDefaults() {
    UNet3DConfig c = UNet3DConfig.parse(JsonConfig.parse(FILE, "{\"_class_name\": \"UNet3DConditionModel\"}"));
    assertEquals(UNet3DConfig.DEFAULT_BLOCK_OUT_CHANNELS, c.blockOutChannels());
    assertEquals(UNet3DConfig.DEFAULT_DOWN_BLOCK_TYPES, c.downBlockTypes());
    assertEquals(UNet3DConfig.DEFAULT_UP_BLOCK_TYPES, c.upBlockTypes());
    assertEquals(4, c.inChannels());
    assertEquals(4, c.outChannels());
    assertEquals(2, c.layersPerBlock());
    assertEquals(1, c.downsamplePadding());
    assertEquals(1.0, c.midBlockScaleFactor());
    assertEquals(UNet3DConfig.ActFn.SILU, c.actFn());
    assertEquals(32, c.normNumGroups());
    assertEquals(1e-5, c.normEps());
    assertEquals(1024, c.crossAttentionDim());
    assertEquals(64, c.attentionHeadDim());
    assertNull(c.sampleSize());
    assertNull(c.timeCondProjDim());
  }

  @Test
  void blockListsOfDifferentLengthsNameBothFields() {
    assertRejected(with("block_out_channels", ints(16, 32, 64)), "block_out_channels", "down_block_types", "3");
    JsonArray up = new JsonArray();
    up.add("UpBlock3D");
    assertRejected(with("up_block_types", up), "up_block_types", "down_block_types");
  }

  @Test
  void unknownBlockTypeListsTheAllowedOnes() {
    JsonArray down = new JsonArray();
    down.add("CrossAttnDownBlock3D");
    down.add("DownBlockSpatioTemporal");
    assertRejected(with("down_block_types", down), "down_block_types[1]", "DownBlockSpatioTemporal",
        "CrossAttnDownBlock3D", "DownBlock3D");
  }

  @Test
  void numAttentionHeadsIsRejectedAsInDiffusers() {
    assertRejected(with("num_attention_heads", new JsonPrimitive(8)), "num_attention_heads", "attention_head_dim");
    // null (as diffusers 0.32.2 saves it) is fine
    assertEquals(4, UNet3DConfig.parse(with("num_attention_heads", JsonNull.INSTANCE)).attentionHeadDim());
  }

  @Test
  void attentionHeadDimMustBeOneIntegerThatFitsTheBlocks() {
    assertRejected(with("attention_head_dim", ints(4, 4)), "attention_head_dim", "transformer_in");
    assertRejected(with("attention_head_dim", new JsonPrimitive(64)), "attention_head_dim", "block_out_channels[0]=16");
  }

  @Test
  void normGroupsMustDivideEveryWidth() {
    assertRejected(with("norm_num_groups", new JsonPrimitive(5)), "norm_num_groups", "block_out_channels[0]=16");
    assertRejected(with("norm_num_groups", JsonNull.INSTANCE), "norm_num_groups");
  }

  @Test
  void wrongTypesAndValuesNameTheField() {
    assertRejected(with("act_fn", new JsonPrimitive("gelu")), "act_fn", "silu");
    assertRejected(with("layers_per_block", new JsonPrimitive(1.5)), "layers_per_block");
    assertRejected(with("cross_attention_dim", new JsonPrimitive(0)), "cross_attention_dim");
    assertRejected(with("block_out_channels", new JsonPrimitive(16)), "block_out_channels");
  }

  @Test
  void programmaticConstructionIsValidatedToo() {
    UNet3DConfig c = UNet3DConfig.parse(tiny());
    ConfigException e = assertThrows(ConfigException.class, () -> new UNet3DConfig(c.sampleSize(), c.inChannels(),
        c.outChannels(), c.downBlockTypes(), c.upBlockTypes(), List.of(16), c.layersPerBlock(),
        c.downsamplePadding(), c.midBlockScaleFactor(), c.actFn(), c.normNumGroups(), c.normEps(),
        c.crossAttentionDim(), c.attentionHeadDim(), c.timeCondProjDim()));
    assertTrue(e.getMessage().contains("block_out_channels"), e.getMessage());
  }
}
