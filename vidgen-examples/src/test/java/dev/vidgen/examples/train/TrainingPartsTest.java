package dev.vidgen.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.vidgen.text.ClipTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer folder, the noise schedule and the optimizer of the demo trainer. */
class TrainingPartsTest {

  @Test
  void everyCaptionWordIsOneTokenThroughTheRealTokenizer(@TempDir Path dir) throws Exception {
    DemoTokenizer built = DemoTokenizer.build();
    built.write(dir);
    // the CLIP layout: 256 byte symbols, the same with </w>, merges, then the two specials last
    assertEquals(built.vocabSize() - 2, built.bosTokenId());
    assertEquals(built.vocabSize() - 1, built.eosTokenId());
    try (ClipTokenizer tok = ClipTokenizer.load(dir)) {
      assertEquals(77, tok.maxLength());
      assertEquals(0, tok.padTokenId()); // "!" as in ModelScope's tokenizer
      for (String word : DemoTokenizer.WORDS) {
        long[] ids = tok.encode(word);
        assertEquals(built.bosTokenId(), ids[0], word);
        assertEquals(built.eosTokenId(), ids[2], word + " is not a single token: " + Arrays.toString(
            Arrays.copyOf(ids, 8)));
      }
      long[] caption = tok.encode("a Yellow   triangle moving UP");
      assertEquals(tok.encode("a yellow triangle moving up")[5], caption[5]); // lower-cased, spaces collapsed
      assertEquals(built.eosTokenId(), caption[6]);
      assertEquals(0, caption[7]);
      // an unknown word still tokenizes (letters), and distinct words get distinct tokens
      long[] other = tok.encode("a purple dog");
      assertTrue(other[other.length - 1] == 0 && other[2] != tok.encode("a red")[2]);
    }
  }

  @Test
  void mergesNeverSplitAnEarlierWord() {
    DemoTokenizer.build();
    List<String[]> merges = new java.util.ArrayList<>();
    merges.add(new String[] {"r", "e"});
    assertEquals(List.of("g", "re", "e", "n</w>"), DemoTokenizer.bpe("green", merges));
    assertEquals(List.of("re", "d</w>"), DemoTokenizer.bpe("red", merges));
  }

  /** diffusers' scaled_linear schedule (0.00085..0.012, 1000 steps): known alphas_cumprod values. */
  @Test
  void noiseScheduleMatchesDiffusersScaledLinear() {
    DdpmNoise n = DdpmNoise.modelScope();
    assertEquals(1000, n.numTrainTimesteps());
    assertEquals(0.99915, n.alphaCumprod(0), 1e-12);
    // torch.linspace(0.00085**0.5, 0.012**0.5, 1000)**2, cumprod of 1 - betas, computed in float64
    assertEquals(0.0046601, n.alphaCumprod(999), 1e-6);
    double second = (1 - 0.00085) * (1 - Math.pow(Math.sqrt(0.00085) + (Math.sqrt(0.012) - Math.sqrt(0.00085))
        / 999, 2));
    assertEquals(second, n.alphaCumprod(1), 1e-15);
  }

  @Test
  void learningRateWarmsUpThenDecaysToATenth() {
    assertEquals(1e-3 / 50, TrainDemo.learningRate(1e-3, 0, 1000), 1e-12);
    assertEquals(1e-3, TrainDemo.learningRate(1e-3, 50, 1000), 1e-12);
    assertEquals(1e-4, TrainDemo.learningRate(1e-3, 1000, 1000), 1e-9);
  }

  /** Bias 0 is DDPM's uniform draw; bias 1 makes the density rise linearly, so a quarter falls below T/2. */
  @Test
  void trainingTimestepsFavourHighNoiseAsAskedAndStayInRange() {
    assertEquals(0, TrainDemo.trainingTimestep(0.0, 1000, 0));
    assertEquals(999, TrainDemo.trainingTimestep(0.9999999, 1000, 0));
    assertEquals(999, TrainDemo.trainingTimestep(Math.nextDown(1.0), 1000, 1));
    assertEquals(437, TrainDemo.trainingTimestep(0.4375, 1000, 0));
    java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
    int below = 0;
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      int t = TrainDemo.trainingTimestep(rng.nextDouble(), 1000, 1);
      assertTrue(t >= 0 && t < 1000, "t=" + t);
      below += t < 500 ? 1 : 0;
    }
    assertEquals(0.25, below / (double) n, 0.005); // P(u^(1/2) < 1/2) = 1/4
    assertEquals(500, TrainDemo.trainingTimestep(0.25, 1000, 1));
  }

  /** 1 / SNR clamped to [1, max]; off (0) leaves every example at 1. */
  @Test
  void lossWeightIsTheClampedInverseSnr() {
    assertEquals(1.0, TrainDemo.lossWeight(0.0046601, 0), 0);
    assertEquals(1.0, TrainDemo.lossWeight(0.9, 10), 0); // low noise: 1/SNR = 0.11, clamped up to 1
    assertEquals(3.0, TrainDemo.lossWeight(0.25, 10), 1e-12); // 0.75 / 0.25
    assertEquals(10.0, TrainDemo.lossWeight(0.0046601, 10), 0); // 1/SNR = 213.6, clamped down to 10
  }

  /** One Adam step equals Algorithm 1 by hand; many steps minimise a quadratic; nothing leaks. */
  @Test
  void adamFollowsTheAlgorithmAndConverges() {
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
      NDArray w = m.create(new float[] {1f, -2f, 3f});
      Map<String, NDArray> params = new LinkedHashMap<>();
      params.put("w", w);
      try (Adam adam = new Adam(params, m.newSubManager(), 0.9, 0.999, 1e-8, 0.9)) {
        NDArray target = m.create(new float[] {0.5f, 0.5f, 0.5f});
        int live = m.getManagedArrays().size();
        for (int step = 0; step < 300; step++) {
          try (NDScope s = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(w.sub(target).square().sum()); // gradient 2 (w - target)
          }
          float[] before = w.toFloatArray();
          adam.step(0.05, 0);
          if (step == 0) {
            // first step: m_hat = g, v_hat = g^2, so every coordinate moves by lr * sign(g)
            float[] after = w.toFloatArray();
            assertEquals(before[0] - 0.05f, after[0], 1e-6f);
            assertEquals(before[1] + 0.05f, after[1], 1e-6f);
            assertEquals(before[2] - 0.05f, after[2], 1e-6f);
          }
        }
        assertEquals(live, m.getManagedArrays().size(), "optimizer steps leaked arrays");
        for (float v : w.toFloatArray()) {
          assertEquals(0.5f, v, 0.01f);
        }
        adam.loadAveraged();
        for (float v : w.toFloatArray()) {
          assertEquals(0.5f, v, 0.05f);
        }
      }
    }
  }

  /** The command the model card records parses back to the options that trained the model. */
  @Test
  void recordedCommandLineParsesBackToTheSameOptions() {
    String[] args = {"--out", "/tmp/d", "--seed", "7", "--unet-steps", "1800", "--high-noise-bias", "1.0",
        "--ema-decay", "0.999", "--heading-light", "--trail-ghosts", "5", "--no-edge-to-edge", "--threads", "2",
        "--no-frame-position-init", "--unet-lr", "1e-3", "--snr-weight-max", "0"};
    TrainDemo.Options o = TrainDemo.parse(args);
    String line = TrainDemo.commandLine(o);
    assertEquals("vidgen train-demo --out /tmp/d --seed 7 --unet-steps 1800 --unet-lr 0.001 --high-noise-bias 1.0"
        + " --snr-weight-max 0.0 --ema-decay 0.999 --no-edge-to-edge --trail-ghosts 5 --no-frame-position-init"
        + " --threads 2", line);
    String[] back = line.substring("vidgen train-demo ".length()).split(" ");
    assertEquals(o, TrainDemo.parse(back));
    assertEquals("vidgen train-demo --out x", TrainDemo.commandLine(TrainDemo.parse(new String[] {"--out", "x"})));
  }
}
