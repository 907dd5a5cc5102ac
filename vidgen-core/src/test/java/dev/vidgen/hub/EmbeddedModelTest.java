package dev.vidgen.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.ModelNotFoundException;
import org.junit.jupiter.api.Test;

class EmbeddedModelTest {
  /** The unpacked copy is named after the weights' content, so new weights in a new jar never reuse a stale copy. */
  @Test
  void contentNameIsThePrefixAndTheStartOfTheSha256() {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    assertEquals("demo-ba7816bf8f01", EmbeddedModel.contentName(EmbeddedModelTest.class, "/dev/vidgen/hub/hash-me.bin",
        "demo"));
  }

  @Test
  void aMissingResourceIsAnErrorNamingIt() {
    ModelNotFoundException e = assertThrows(ModelNotFoundException.class,
        () -> EmbeddedModel.contentName(EmbeddedModelTest.class, "/dev/vidgen/hub/absent.bin", "demo"));
    assertTrue(e.getMessage().contains("/dev/vidgen/hub/absent.bin"), e.getMessage());
  }
}
