package dev.vidgen.models.svd;

import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.api.HostTensor;
import dev.vidgen.weights.SafetensorsWeights;
import dev.vidgen.weights.WeightLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * Temporal VAE decoder parity on {@code svd-tiny}: the pipeline decodes {@code decode_chunk_size} = 4 frames, then
 * the remaining 2 (the temporal conv only sees the frames of its own call); the concatenated raw outputs are
 * {@code vae.decoded}. Tolerance from the issue: 1e-4 × max(1, max|ref|).
 */
class TemporalDecoderTest {
  static final double REL_TOL = 1e-4;

  private static NDManager manager;
  private static TemporalDecoder decoder;

  @BeforeAll
  static void load() {
    manager = NDManager.newBaseManager();
    Path vae = SvdFixture.modelDir().resolve("vae");
    AutoencoderKLTemporalDecoderConfig cfg = AutoencoderKLTemporalDecoderConfig.read(vae.resolve("config.json"));
    try (SafetensorsWeights src = SafetensorsWeights.openComponent(vae, null, "diffusion_pytorch_model")) {
      WeightLoader loader = new WeightLoader(src, manager, DataType.FLOAT32);
      decoder = new TemporalDecoder(loader.root().at("decoder"), cfg.latentChannels(), cfg.outChannels(),
          cfg.blockOutChannels(), cfg.layersPerBlock());
      // only the decoder is under test here; the encoder is exercised by the pipeline test
      loader.finish("TemporalDecoder", List.of("encoder\\..*", "quant_conv\\..*"));
    }
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static NDArray decodeCall(NDManager m, NDArray z, int numFrames) {
    NDArray indicator = m.zeros(new Shape(z.getShape().get(0) / numFrames, numFrames), z.getDataType());
    return decoder.forward(z, indicator, numFrames);
  }

  @Test
  void chunkedDecodeMatchesDiffusers() {
    try (NDManager m = manager.newSubManager()) {
      NDList parts = new NDList();
      for (int j = 0; j < 2; j++) {
        NDArray z = SvdFixture.nd(m, "vae.decode.call" + j + ".input");
        int numFrames = (int) SvdFixture.ref("vae.decode.call" + j + ".num_frames").data()[0];
        parts.add(decodeCall(m, z, numFrames));
      }
      HostTensor decoded = SvdFixture.host(NDArrays.concat(parts, 0));
      SvdFixture.assertParity("vae.decoded", SvdFixture.ref("vae.decoded"), decoded, REL_TOL);
    }
  }

  /** The comparison can fail: decoding all 6 frames in one call changes the temporal conv's context. */
  @Test
  void unchunkedDecodeDiffers() {
    try (NDManager m = manager.newSubManager()) {
      NDArray all = SvdFixture.nd(m, "vae.decode.call0.input").concat(SvdFixture.nd(m, "vae.decode.call1.input"), 0);
      HostTensor decoded = SvdFixture.host(decodeCall(m, all, 6));
      assertThrows(AssertionFailedError.class,
          () -> SvdFixture.assertParity("vae.decoded (one call)", SvdFixture.ref("vae.decoded"), decoded, REL_TOL));
    }
  }
}
