package dev.vidgen.models.svd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.ConfigException;
import dev.vidgen.weights.JsonConfig;
import org.junit.jupiter.api.Test;

/** The SVD config records: diffusers' defaults for absent fields, and errors that name the file and the field. */
class ConfigTest {
  private static UNetSpatioTemporalConditionConfig unet(String json) {
    return UNetSpatioTemporalConditionConfig.parse(JsonConfig.parse("unet/config.json", json));
  }

  @Test
  void emptyUnetConfigTakesTheClassDefaults() {
    UNetSpatioTemporalConditionConfig c = unet("{}");
    assertArrayEquals(new int[] {320, 640, 1280, 1280}, c.blockOutChannels());
    assertArrayEquals(new int[] {5, 10, 20, 20}, c.numAttentionHeads());
    assertArrayEquals(new int[] {1024, 1024, 1024, 1024}, c.crossAttentionDim());
    assertEquals(8, c.inChannels());
    assertEquals(25, c.numFrames());
    assertEquals(256, c.additionTimeEmbedDim());
    assertEquals(768, c.projectionClassEmbeddingsInputDim());
    assertEquals(1280, c.timeEmbedDim());
  }

  @Test
  void unetErrorsNameFileAndField() {
    ConfigException e = assertThrows(ConfigException.class, () -> unet("{\"block_out_channels\": [32, 64]}"));
    assertTrue(e.getMessage().contains("unet/config.json") && e.getMessage().contains("block_out_channels"),
        e.getMessage());
    e = assertThrows(ConfigException.class, () -> unet("{\"down_block_types\": [\"DownBlock3D\", \"DownBlockSpatioTemporal\"],"
        + " \"up_block_types\": [\"UpBlockSpatioTemporal\", \"UpBlockSpatioTemporal\"], \"block_out_channels\": [32, 32],"
        + " \"num_attention_heads\": 2}"));
    assertTrue(e.getMessage().contains("down_block_types[0]") && e.getMessage().contains("DownBlock3D"),
        e.getMessage());
    e = assertThrows(ConfigException.class, () -> unet("{\"num_attention_heads\": [5, 10, 20, 7]}"));
    assertTrue(e.getMessage().contains("num_attention_heads[3]"), e.getMessage());
  }

  @Test
  void vaeDefaultsAndErrors() {
    AutoencoderKLTemporalDecoderConfig c = AutoencoderKLTemporalDecoderConfig.parse(JsonConfig.parse(
        "vae/config.json", "{}"));
    assertArrayEquals(new int[] {64}, c.blockOutChannels());
    assertEquals(0.18215, c.scalingFactor());
    assertEquals(1, c.vaeScaleFactor());
    ConfigException e = assertThrows(ConfigException.class, () -> AutoencoderKLTemporalDecoderConfig.parse(
        JsonConfig.parse("vae/config.json", "{\"block_out_channels\": [128, 256], \"down_block_types\": "
            + "[\"DownEncoderBlock2D\"]}")));
    assertTrue(e.getMessage().contains("vae/config.json") && e.getMessage().contains("down_block_types"),
        e.getMessage());
  }
}
