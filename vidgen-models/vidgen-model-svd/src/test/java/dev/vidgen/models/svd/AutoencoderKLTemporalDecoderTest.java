package dev.vidgen.models.svd;

import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.HostTensor;
import dev.vidgen.spi.LatentDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * Stable Video Diffusion's VAE against diffusers on {@code svd-tiny}: the encoder's {@code latent_dist.mode()} of
 * the noise-augmented conditioning image, and the chunked temporal decode ({@code decode_chunk_size} = 4 of 6
 * frames: calls of 4 and 2 frames; the temporal layers only see their own call's frames). Tolerance from the issue:
 * 1e-4 × max(1, max|ref|).
 */
class AutoencoderKLTemporalDecoderTest {
  static final double REL_TOL = 1e-4;

  private static NDManager manager;
  private static AutoencoderKLTemporalDecoder vae;

  @BeforeAll
  static void load() {
    manager = NDManager.newBaseManager();
    vae = AutoencoderKLTemporalDecoder.load(SvdFixture.modelDir().resolve("vae"), manager, DataType.FLOAT32);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  @Test
  void encodeMatchesDiffusers() {
    try (NDManager m = manager.newSubManager()) {
      HostTensor latents = SvdFixture.host(vae.encodeMean(SvdFixture.nd(m, "vae.encode.input")));
      SvdFixture.assertParity("vae.encode.latents", SvdFixture.ref("vae.encode.latents"), latents, REL_TOL);
    }
  }

  @Test
  void eachDecodeCallMatchesDiffusers() {
    try (NDManager m = manager.newSubManager()) {
      NDArray z = SvdFixture.nd(m, "vae.decode.call0.input").concat(SvdFixture.nd(m, "vae.decode.call1.input"), 0);
      HostTensor decoded = SvdFixture.host(vae.decode(z, 6, 4));
      SvdFixture.assertParity("vae.decoded", SvdFixture.ref("vae.decoded"), decoded, REL_TOL);
      // the same through the SPI view: one video, chunks of 4
      LatentDecoder spi = vae;
      SvdFixture.assertParity("vae.decoded (LatentDecoder)", SvdFixture.ref("vae.decoded"),
          SvdFixture.host(spi.decode(z, 4)), REL_TOL);
    }
  }

  /** The comparison can fail: decoding the 6 frames in one call changes what the temporal layers see. */
  @Test
  void unchunkedDecodeDiffers() {
    try (NDManager m = manager.newSubManager()) {
      NDArray z = SvdFixture.nd(m, "vae.decode.call0.input").concat(SvdFixture.nd(m, "vae.decode.call1.input"), 0);
      HostTensor decoded = SvdFixture.host(vae.decode(z, 6, 6));
      assertThrows(AssertionFailedError.class, () -> SvdFixture.assertParity("vae.decoded (one call)",
          SvdFixture.ref("vae.decoded"), decoded, REL_TOL));
    }
  }
}
