package dev.vidgen.models.runway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.vidgen.api.GenerationRequest;
import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** How a GenerationRequest becomes a Runway create body, and the checks against each known model's limits. */
class RunwayRequestTest {
  private static JsonObject body(String model, GenerationRequest.Builder r) {
    return RunwayRequest.prepare(model, RunwayModel.find(model), r.build(), "runway:" + model).body();
  }

  private static GenerationRequest.Builder fox() {
    return GenerationRequest.builder().prompt("a fox");
  }

  private static String error(String model, GenerationRequest.Builder r) {
    return assertThrows(IllegalArgumentException.class, () -> body(model, r)).getMessage();
  }

  @Test
  void unsetSizeAndLengthTakeTheModelsDefaults() {
    assertEquals("{\"model\":\"gen4.5\",\"promptText\":\"a fox\",\"ratio\":\"1280:720\",\"duration\":5}",
        body("gen4.5", fox()).toString());
    JsonObject veo = body("veo3.1", fox());
    assertEquals("1280:720", veo.get("ratio").getAsString());
    assertEquals(8, veo.get("duration").getAsInt());
    assertFalse(veo.get("audio").getAsBoolean(), "a Video has no sound: do not pay for audio");
  }

  @Test
  void sizesMapToRatiosBySizeOrShape() {
    assertEquals("720:1280", body("gen4.5", fox().size(720, 1280)).get("ratio").getAsString());
    assertEquals("1280:720", body("gen4.5", fox().size(640, 360)).get("ratio").getAsString(), "same shape");
    assertEquals("720:1280", body("gen4.5", fox().width(720)).get("ratio").getAsString(), "width alone");
    assertEquals("1080:1920", body("veo3.1", fox().size(1008, 1792)).get("ratio").getAsString(),
        "of two sizes of that shape, the nearer in pixels");
    assertEquals("720:1280", body("veo3.1", fox().size(540, 960)).get("ratio").getAsString());
    String e = error("gen4.5", fox().size(256, 256));
    assertTrue(e.contains("runway:gen4.5 text-to-video makes 1280x720 or 720x1280 videos; 256x256 is none of them"),
        e);
    GenerationRequest.Builder image = fox().image(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB));
    assertEquals("960:960", body("gen4.5", image.size(256, 256)).get("ratio").getAsString(),
        "image-to-video offers a square");
  }

  @Test
  void framesOverFpsPickTheShortestDurationThatHoldsThem() {
    assertEquals(5, body("gen4.5", fox().frames(100)).get("duration").getAsInt(), "100 / 24 = 4.2 s");
    assertEquals(2, body("gen4.5", fox().frames(48)).get("duration").getAsInt());
    assertEquals(2, body("gen4.5", fox().frames(16)).get("duration").getAsInt(), "below the minimum: the minimum");
    assertEquals(4, body("gen4.5", fox().frames(32).fps(8)).get("duration").getAsInt(), "32 frames at 8 fps");
    assertEquals(6, body("veo3.1", fox().frames(120)).get("duration").getAsInt(), "5 s is not offered: 6");
    String e = error("gen4.5", fox().frames(300));
    assertTrue(e.contains("runway:gen4.5 makes videos of 2 to 10 seconds; 300 frames at 24 fps is 12.50 s")
        && e.contains("at most 240 frames"), e);
    e = error("veo3.1", fox().frames(300));
    assertTrue(e.contains("4, 6 or 8 seconds"), e);
  }

  @Test
  void seedAndNegativePromptGoOnlyToModelsThatTakeThem() {
    assertEquals(4294967295L, body("gen4.5", fox().seed(4294967295L)).get("seed").getAsLong());
    assertTrue(error("gen4.5", fox().seed(-1)).contains("seed must be in [0, 4294967295]"));
    assertTrue(error("veo3.1", fox().seed(3)).contains("runway:veo3.1 takes no seed"));
    assertEquals("blurry", body("veo3.1", fox().negativePrompt("blurry")).get("negativePrompt").getAsString());
    assertTrue(error("gen4.5", fox().negativePrompt("blurry")).contains("runway:gen4.5 takes no negative prompt"));
    assertFalse(body("gen4.5", fox().negativePrompt("")).has("negativePrompt"), "empty means none");
  }

  @Test
  void settingsOfLocalModelsAreRefusedNotIgnored() {
    String e = error("gen4.5", fox().steps(30).guidanceScale(7));
    assertTrue(e.contains("runway:gen4.5 runs on Runway's service, which has no steps, guidanceScale setting"), e);
  }

  @Test
  void endpointsAndPromptsFollowTheModel() {
    assertTrue(error("gen4_turbo", fox()).contains("runway:gen4_turbo is image-to-video only: set an image"));
    assertTrue(error("gen4.5", GenerationRequest.builder()).contains("needs a prompt (promptText)"));
    String e = error("gen4.5", GenerationRequest.builder().prompt("x".repeat(1001)));
    assertTrue(e.contains("prompt is 1001 characters") && e.contains("at most 1000"), e);
    RunwayRequest.Prepared p = RunwayRequest.prepare("veo3.1", RunwayModel.find("veo3.1"), GenerationRequest.builder()
        .image(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB)).build(), "runway:veo3.1");
    assertEquals(RunwayModel.Endpoint.IMAGE_TO_VIDEO, p.endpoint());
    assertFalse(p.body().has("promptText"), "veo3.1's image-to-video prompt is optional");
  }

  @Test
  void unknownModelsPassThrough() {
    JsonObject b = body("gen9_hyper", fox().size(1000, 500).frames(100).seed(5).negativePrompt("rain"));
    assertEquals("{\"model\":\"gen9_hyper\",\"promptText\":\"a fox\",\"ratio\":\"1000:500\",\"duration\":5,"
        + "\"seed\":5,\"negativePrompt\":\"rain\"}", b.toString());
    assertEquals("{\"model\":\"gen9_hyper\",\"promptText\":\"a fox\"}", body("gen9_hyper", fox()).toString(),
        "nothing set, nothing sent: Runway's defaults apply");
    assertTrue(error("gen9_hyper", fox().width(1000)).contains("set both width and height"));
  }

  @Test
  void largeImagesFallBackToJpegToFitTheDataUriLimit() {
    BufferedImage noise = new BufferedImage(1600, 1200, BufferedImage.TYPE_INT_RGB);
    Random random = new Random(0);
    for (int y = 0; y < noise.getHeight(); y++) {
      for (int x = 0; x < noise.getWidth(); x++) {
        noise.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    String uri = RunwayRequest.dataUri(noise);
    assertTrue(uri.startsWith("data:image/jpeg;base64,"), uri.substring(0, 30));
    assertTrue(uri.length() <= RunwayRequest.MAX_DATA_URI_CHARS);
    BufferedImage small = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    assertTrue(RunwayRequest.dataUri(small).startsWith("data:image/png;base64,"));
  }
}
