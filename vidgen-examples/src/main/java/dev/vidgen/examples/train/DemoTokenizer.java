package dev.vidgen.examples.train;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CLIP BPE tokenizer folder for the demo model, in the exact layout and vocabulary structure of CLIP's (and of
 * diffusers' ModelScope folders): the 256 byte symbols of GPT-2's byte-to-unicode table, the same 256 with the
 * end-of-word mark {@code </w>}, one merged token per BPE merge, then {@code <|startoftext|>} and {@code
 * <|endoftext|>}; padding with {@code "!"} (id 0) as ModelScope's tokenizer does. The merges are chosen so that every
 * caption word is a single token; any other word falls back to single letters, so every prompt still tokenizes.
 *
 * <p>Writes {@code vocab.json}, {@code merges.txt}, {@code tokenizer.json}, {@code tokenizer_config.json} and {@code
 * special_tokens_map.json}, as transformers' {@code save_pretrained} does.
 */
public final class DemoTokenizer {
  /** Every word of the demo captions, plus a few that prompts commonly add. */
  public static final List<String> WORDS = List.of("a", "red", "green", "blue", "yellow", "white", "circle",
      "square", "triangle", "moving", "left", "right", "up", "down");

  public static final String BOS = "<|startoftext|>";
  public static final String EOS = "<|endoftext|>";
  public static final String PAD = "!";
  public static final int MODEL_MAX_LENGTH = 77;

  private final List<String> vocab;
  private final List<String[]> merges;

  private DemoTokenizer(List<String> vocab, List<String[]> merges) {
    this.vocab = vocab;
    this.merges = merges;
  }

  /** Builds the vocabulary and merges for {@link #WORDS}. */
  public static DemoTokenizer build() {
    List<String> base = byteSymbols();
    List<String> vocab = new ArrayList<>(base);
    for (String s : base) {
      vocab.add(s + "</w>");
    }
    List<String[]> merges = new ArrayList<>();
    for (String word : WORDS) {
      // BPE as the tokenizer runs it, with the merges so far; then merge the leftmost pair until one token remains.
      // Merges added later rank lower, so they never change how an earlier word is split.
      List<String> pieces = bpe(word, merges);
      while (pieces.size() > 1) {
        String[] m = {pieces.get(0), pieces.get(1)};
        merges.add(m);
        vocab.add(m[0] + m[1]);
        pieces = bpe(word, merges);
      }
    }
    vocab.add(BOS);
    vocab.add(EOS);
    return new DemoTokenizer(vocab, merges);
  }

  public int vocabSize() {
    return vocab.size();
  }

  public int bosTokenId() {
    return vocab.indexOf(BOS);
  }

  public int eosTokenId() {
    return vocab.indexOf(EOS);
  }

  /** BPE of one lower-case word with the given merges, lowest rank first (as CLIP's {@code bpe()}). */
  static List<String> bpe(String word, List<String[]> merges) {
    List<String> pieces = new ArrayList<>();
    for (int i = 0; i < word.length(); i++) {
      pieces.add(i == word.length() - 1 ? word.charAt(i) + "</w>" : String.valueOf(word.charAt(i)));
    }
    while (pieces.size() > 1) {
      int bestRank = Integer.MAX_VALUE;
      int bestAt = -1;
      for (int i = 0; i + 1 < pieces.size(); i++) {
        for (int r = 0; r < merges.size() && r < bestRank; r++) {
          if (merges.get(r)[0].equals(pieces.get(i)) && merges.get(r)[1].equals(pieces.get(i + 1))) {
            bestRank = r;
            bestAt = i;
          }
        }
      }
      if (bestAt < 0) {
        break;
      }
      pieces.set(bestAt, pieces.get(bestAt) + pieces.get(bestAt + 1));
      pieces.remove(bestAt + 1);
    }
    return pieces;
  }

  /** GPT-2 / CLIP {@code bytes_to_unicode()}: printable bytes map to themselves, the rest to U+0100 onwards. */
  static List<String> byteSymbols() {
    List<Integer> bs = new ArrayList<>();
    for (int b = '!'; b <= '~'; b++) {
      bs.add(b);
    }
    for (int b = 0xA1; b <= 0xAC; b++) {
      bs.add(b);
    }
    for (int b = 0xAE; b <= 0xFF; b++) {
      bs.add(b);
    }
    List<Integer> cs = new ArrayList<>(bs);
    int n = 0;
    for (int b = 0; b < 256; b++) {
      if (!bs.contains(b)) {
        bs.add(b);
        cs.add(256 + n);
        n++;
      }
    }
    List<String> out = new ArrayList<>();
    for (int c : cs) {
      out.add(new String(Character.toChars(c)));
    }
    return out;
  }

  /** Writes the tokenizer folder. */
  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, Integer> ids = new LinkedHashMap<>();
    for (int i = 0; i < vocab.size(); i++) {
      ids.put(vocab.get(i), i);
    }
    JsonObject vocabJson = new JsonObject();
    ids.forEach(vocabJson::addProperty);
    var gson = new GsonBuilder().disableHtmlEscaping().create();
    var pretty = new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();
    Files.writeString(dir.resolve("vocab.json"), gson.toJson(vocabJson) + "\n", StandardCharsets.UTF_8);

    StringBuilder mergesTxt = new StringBuilder("#version: 0.2\n");
    for (String[] m : merges) {
      mergesTxt.append(m[0]).append(' ').append(m[1]).append('\n');
    }
    Files.writeString(dir.resolve("merges.txt"), mergesTxt.toString(), StandardCharsets.UTF_8);

    Files.writeString(dir.resolve("tokenizer.json"), pretty.toJson(tokenizerJson(vocabJson)) + "\n",
        StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("tokenizer_config.json"), pretty.toJson(tokenizerConfig()) + "\n",
        StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("special_tokens_map.json"), pretty.toJson(specialTokensMap()) + "\n",
        StandardCharsets.UTF_8);
  }

  private JsonObject tokenizerJson(JsonObject vocabJson) {
    JsonObject t = new JsonObject();
    t.addProperty("version", "1.0");
    t.add("truncation", JsonNull.INSTANCE);
    t.add("padding", JsonNull.INSTANCE);
    JsonArray added = new JsonArray();
    added.add(addedToken(0, PAD, false));
    added.add(addedToken(bosTokenId(), BOS, true));
    added.add(addedToken(eosTokenId(), EOS, true));
    t.add("added_tokens", added);

    JsonObject normalizer = new JsonObject();
    normalizer.addProperty("type", "Sequence");
    JsonArray norms = new JsonArray();
    norms.add(typed("NFC"));
    JsonObject replace = typed("Replace");
    JsonObject ws = new JsonObject();
    ws.addProperty("Regex", "\\s+");
    replace.add("pattern", ws);
    replace.addProperty("content", " ");
    norms.add(replace);
    norms.add(typed("Lowercase"));
    normalizer.add("normalizers", norms);
    t.add("normalizer", normalizer);

    JsonObject pre = typed("Sequence");
    JsonArray pres = new JsonArray();
    JsonObject split = typed("Split");
    JsonObject pattern = new JsonObject();
    pattern.addProperty("Regex", "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+");
    split.add("pattern", pattern);
    split.addProperty("behavior", "Removed");
    split.addProperty("invert", true);
    pres.add(split);
    JsonObject byteLevel = typed("ByteLevel");
    byteLevel.addProperty("add_prefix_space", false);
    byteLevel.addProperty("trim_offsets", true);
    byteLevel.addProperty("use_regex", true);
    pres.add(byteLevel);
    pre.add("pretokenizers", pres);
    t.add("pre_tokenizer", pre);

    JsonObject post = typed("RobertaProcessing");
    JsonArray sep = new JsonArray();
    sep.add(EOS);
    sep.add(eosTokenId());
    JsonArray cls = new JsonArray();
    cls.add(BOS);
    cls.add(bosTokenId());
    post.add("sep", sep);
    post.add("cls", cls);
    post.addProperty("trim_offsets", false);
    post.addProperty("add_prefix_space", false);
    t.add("post_processor", post);

    JsonObject decoder = typed("ByteLevel");
    decoder.addProperty("add_prefix_space", true);
    decoder.addProperty("trim_offsets", true);
    decoder.addProperty("use_regex", true);
    t.add("decoder", decoder);

    JsonObject model = typed("BPE");
    model.add("dropout", JsonNull.INSTANCE);
    model.addProperty("unk_token", EOS);
    model.addProperty("continuing_subword_prefix", "");
    model.addProperty("end_of_word_suffix", "</w>");
    model.addProperty("fuse_unk", false);
    model.addProperty("byte_fallback", false);
    model.addProperty("ignore_merges", false);
    model.add("vocab", vocabJson);
    JsonArray mergeList = new JsonArray();
    for (String[] m : merges) {
      mergeList.add(m[0] + " " + m[1]);
    }
    model.add("merges", mergeList);
    t.add("model", model);
    return t;
  }

  private JsonObject tokenizerConfig() {
    JsonObject c = new JsonObject();
    JsonObject decoder = new JsonObject();
    decoder.add("0", addedTokenDecoder(PAD, false));
    decoder.add(Integer.toString(bosTokenId()), addedTokenDecoder(BOS, true));
    decoder.add(Integer.toString(eosTokenId()), addedTokenDecoder(EOS, true));
    c.add("added_tokens_decoder", decoder);
    c.addProperty("bos_token", BOS);
    c.addProperty("clean_up_tokenization_spaces", true);
    c.addProperty("eos_token", EOS);
    c.addProperty("errors", "replace");
    c.addProperty("model_max_length", MODEL_MAX_LENGTH);
    c.addProperty("pad_token", PAD);
    c.addProperty("tokenizer_class", "CLIPTokenizer");
    c.addProperty("unk_token", EOS);
    return c;
  }

  private static JsonObject specialTokensMap() {
    JsonObject m = new JsonObject();
    m.add("bos_token", specialToken(BOS));
    m.add("eos_token", specialToken(EOS));
    m.addProperty("pad_token", PAD);
    m.add("unk_token", specialToken(EOS));
    return m;
  }

  private static JsonObject specialToken(String content) {
    JsonObject o = new JsonObject();
    o.addProperty("content", content);
    o.addProperty("lstrip", false);
    o.addProperty("normalized", true);
    o.addProperty("rstrip", false);
    o.addProperty("single_word", false);
    return o;
  }

  private static JsonObject addedToken(int id, String content, boolean normalized) {
    JsonObject o = new JsonObject();
    o.addProperty("id", id);
    o.addProperty("content", content);
    o.addProperty("single_word", false);
    o.addProperty("lstrip", false);
    o.addProperty("rstrip", false);
    o.addProperty("normalized", normalized);
    o.addProperty("special", true);
    return o;
  }

  private static JsonObject addedTokenDecoder(String content, boolean normalized) {
    JsonObject o = new JsonObject();
    o.addProperty("content", content);
    o.addProperty("lstrip", false);
    o.addProperty("normalized", normalized);
    o.addProperty("rstrip", false);
    o.addProperty("single_word", false);
    o.addProperty("special", true);
    return o;
  }

  private static JsonObject typed(String type) {
    JsonObject o = new JsonObject();
    o.addProperty("type", type);
    return o;
  }
}
