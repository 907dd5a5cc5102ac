package dev.vidgen.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GenerationRequestTest {
  @Test
  void settersValidateEagerlyWithNamedArguments() {
    var b = GenerationRequest.builder();
    assertMessage(() -> b.frames(0), "frames must be >= 1 but was 0");
    assertMessage(() -> b.steps(0), "steps must be in [1, 1000] but was 0");
    assertMessage(() -> b.guidanceScale(Double.NaN), "guidanceScale must be a finite number");
    assertMessage(() -> b.eta(2), "eta must be in [0, 1]");
    assertMessage(() -> b.fps(0), "fps must be in [1, 240]");
    assertMessage(() -> b.height(4), "height must be >= 8");
    assertMessage(() -> b.image(java.nio.file.Path.of("/no/such.png")), "/no/such.png does not exist");
    assertMessage(() -> b.minGuidanceScale(3).maxGuidanceScale(1).build(), "must not exceed maxGuidanceScale");
  }

  @Test
  void unsetFieldsStayNullForModelDefaults() {
    GenerationRequest r = GenerationRequest.builder().prompt("a cat").seed(42).build();
    assertEquals(null, r.frames());
    assertEquals(42L, r.seed());
    assertEquals(ProgressListener.NONE, r.listener());
    GenerationRequest r2 = r.toBuilder().frames(8).build();
    assertEquals(8, r2.frames());
    assertEquals("a cat", r2.prompt());
  }

  @Test
  void imageUriIsHttpsOrDataAndExcludesAnImage() {
    var b = GenerationRequest.builder();
    assertMessage(() -> b.imageUri(java.net.URI.create("http://example.com/a.png")),
        "imageUri must be an https: URL or a data: URI but was a 'http:' URI");
    assertMessage(() -> b.imageUri(java.net.URI.create("a.png")), "but was a relative URI");
    java.net.URI uri = java.net.URI.create("https://example.com/a.png");
    GenerationRequest r = GenerationRequest.builder().imageUri(uri).build();
    assertEquals(uri, r.toBuilder().build().imageUri());
    assertEquals("data", GenerationRequest.builder().imageUri(java.net.URI.create("data:image/png;base64,AAAA"))
        .build().imageUri().getScheme());
    assertMessage(() -> GenerationRequest.builder().imageUri(uri)
        .image(new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB)).build(),
        "set image or imageUri, not both");
  }

  @Test
  void hostTensorChecksShape() {
    assertMessage(() -> HostTensor.of(new float[5], 2, 3), "holds 6 elements but data has 5");
  }

  private static void assertMessage(Runnable r, String fragment) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
  }
}
