package dev.vidgen.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.api.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The CLIP tokenizer of a diffusers {@code tokenizer/} folder, run by Hugging Face's Rust {@code tokenizers} through
 * DJL. It encodes as diffusers' text-to-video pipelines call it: {@code tokenizer(prompt, padding="max_length",
 * max_length=tokenizer.model_max_length, truncation=True)}, i.e. {@code <|startoftext|> tokens <|endoftext|>} cut to
 * {@code model_max_length} (the end token is kept) and padded with the configured pad token.
 *
 * <p>A folder with a {@code tokenizer.json} is loaded from it. A folder with only the slow tokenizer's files
 * ({@code vocab.json}, {@code merges.txt}, {@code tokenizer_config.json}, {@code special_tokens_map.json}, as the
 * published ModelScope repository has) is converted the way transformers v4.44 {@code
 * convert_slow_tokenizer.CLIPConverter} converts {@code models/clip/tokenization_clip.py} ({@code CLIPTokenizer}),
 * with the added tokens that {@code PreTrainedTokenizerFast} registers on top.
 *
 * <p>Thread safety: {@link #encode} may be called from several threads; {@link #close} releases the native
 * tokenizer.
 */
public final class ClipTokenizer implements AutoCloseable {
  /** transformers' {@code CLIPTokenizer} keeps the merges of lines {@code [1, 49152 - 256 - 2 + 1)} of merges.txt. */
  private static final int MAX_MERGES = 49152 - 256 - 2;

  /** CLIP's pre-tokenizer regex (as in {@code CLIPConverter}; the special tokens are matched as added tokens). */
  private static final String CLIP_PATTERN =
      "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

  private final HuggingFaceTokenizer tokenizer;
  private final int maxLength;
  private final long padTokenId;
  private final String source;

  private ClipTokenizer(HuggingFaceTokenizer tokenizer, int maxLength, long padTokenId, String source) {
    this.tokenizer = tokenizer;
    this.maxLength = maxLength;
    this.padTokenId = padTokenId;
    this.source = source;
  }

  /**
   * Loads a diffusers {@code tokenizer/} folder: {@code tokenizer.json} when present, else {@code vocab.json} +
   * {@code merges.txt}. {@code tokenizer_config.json} gives {@code model_max_length}; the pad token comes from
   * {@code special_tokens_map.json} / {@code tokenizer_config.json} (CLIP's default is {@code <|endoftext|>}).
   */
  public static ClipTokenizer load(Path tokenizerDir) {
    if (!Files.isDirectory(tokenizerDir)) {
      throw new ConfigException(tokenizerDir + ": tokenizer folder is missing");
    }
    SpecialTokens special = SpecialTokens.read(tokenizerDir);
    Path fast = tokenizerDir.resolve("tokenizer.json");
    JsonObject def;
    String source;
    if (Files.isRegularFile(fast)) {
      def = readObject(fast);
      source = display(fast);
    } else {
      def = convertSlow(tokenizerDir, special);
      source = display(tokenizerDir.resolve("vocab.json")) + " + merges.txt";
    }
    long padId = resolveId(def, special.pad, source, "pad_token");
    // Padding and truncation as transformers applies them for padding="max_length", truncation=True: the pad id
    // and token are written into the definition, so the native tokenizer pads with them.
    JsonObject padding = new JsonObject();
    JsonObject strategy = new JsonObject();
    strategy.addProperty("Fixed", special.modelMaxLength);
    padding.add("strategy", strategy);
    padding.addProperty("direction", "Right");
    padding.add("pad_to_multiple_of", JsonNull.INSTANCE);
    padding.addProperty("pad_id", padId);
    padding.addProperty("pad_type_id", 0);
    padding.addProperty("pad_token", special.pad.content);
    def.add("padding", padding);
    JsonObject truncation = new JsonObject();
    truncation.addProperty("direction", "Right");
    truncation.addProperty("max_length", special.modelMaxLength);
    truncation.addProperty("strategy", "LongestFirst");
    truncation.addProperty("stride", 0);
    def.add("truncation", truncation);

    Map<String, String> options = new LinkedHashMap<>();
    options.put("addSpecialTokens", "true");
    options.put("padding", "max_length");
    options.put("truncation", "true");
    options.put("maxLength", Integer.toString(special.modelMaxLength));
    options.put("modelMaxLength", Integer.toString(special.modelMaxLength));
    try {
      HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(
          new ByteArrayInputStream(def.toString().getBytes(StandardCharsets.UTF_8)), options);
      return new ClipTokenizer(tok, special.modelMaxLength, padId, source);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(source + ": the tokenizers library refused the tokenizer definition: "
          + e.getMessage(), e);
    }
  }

  /**
   * Token ids of one prompt: {@code <|startoftext|>}, the BPE tokens, {@code <|endoftext|>}, then pad tokens up to
   * {@link #maxLength()}. A longer prompt is cut so that the end token stays last.
   */
  public long[] encode(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text must not be null (use \"\" for an empty prompt)");
    }
    Encoding e = tokenizer.encode(text, true, false);
    long[] ids = e.getIds();
    if (ids.length != maxLength) {
      throw new IllegalStateException(source + ": tokenizer returned " + ids.length + " ids for a max_length of "
          + maxLength + " (padding/truncation not applied)");
    }
    return ids;
  }

  /** {@code model_max_length} of {@code tokenizer_config.json}: the length of every encoded prompt (77 for CLIP). */
  public int maxLength() {
    return maxLength;
  }

  /** The id prompts are padded with. */
  public long padTokenId() {
    return padTokenId;
  }

  @Override
  public void close() {
    tokenizer.close();
  }

  @Override
  public String toString() {
    return "ClipTokenizer[" + source + ", max_length=" + maxLength + ", pad=" + padTokenId + "]";
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Slow -> fast conversion (transformers v4.44 convert_slow_tokenizer.py, CLIPConverter)

  /**
   * Builds the fast-tokenizer definition from {@code vocab.json} and {@code merges.txt}: normalizer NFC + collapse
   * whitespace runs + lowercase; pre-tokenizer CLIP's regex (isolating matches, dropping the rest) then byte-level
   * without prefix space; BPE with the {@code </w>} end-of-word suffix; byte-level decoder; {@code RobertaProcessing}
   * adding {@code <|startoftext|>} and {@code <|endoftext|>}; and the added (special) tokens.
   */
  static JsonObject convertSlow(Path dir, SpecialTokens special) {
    Path vocabFile = dir.resolve("vocab.json");
    Path mergesFile = dir.resolve("merges.txt");
    JsonObject vocab = readObject(vocabFile);
    String vocabName = display(vocabFile);
    for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
      if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isNumber()) {
        throw new ConfigException(vocabName + ": token '" + e.getKey() + "' maps to " + e.getValue()
            + ", expected an integer id");
      }
    }
    List<String> merges = readMerges(mergesFile);

    JsonObject model = new JsonObject();
    model.addProperty("type", "BPE");
    model.add("dropout", JsonNull.INSTANCE);
    model.addProperty("unk_token", special.unk.content);
    model.addProperty("continuing_subword_prefix", "");
    model.addProperty("end_of_word_suffix", "</w>");
    model.addProperty("fuse_unk", false);
    model.addProperty("byte_fallback", false);
    model.addProperty("ignore_merges", false);
    model.add("vocab", vocab);
    JsonArray mergeArray = new JsonArray();
    merges.forEach(mergeArray::add);
    model.add("merges", mergeArray);

    JsonObject normalizer = new JsonObject();
    normalizer.addProperty("type", "Sequence");
    JsonArray norms = new JsonArray();
    norms.add(typed("NFC"));
    JsonObject replace = typed("Replace");
    replace.add("pattern", regex("\\s+"));
    replace.addProperty("content", " ");
    norms.add(replace);
    norms.add(typed("Lowercase"));
    normalizer.add("normalizers", norms);

    JsonObject preTokenizer = new JsonObject();
    preTokenizer.addProperty("type", "Sequence");
    JsonArray pres = new JsonArray();
    JsonObject split = typed("Split");
    split.add("pattern", regex(CLIP_PATTERN));
    split.addProperty("behavior", "Removed");
    split.addProperty("invert", true);
    pres.add(split);
    JsonObject byteLevel = typed("ByteLevel");
    byteLevel.addProperty("add_prefix_space", false);
    byteLevel.addProperty("trim_offsets", true);
    byteLevel.addProperty("use_regex", true);
    pres.add(byteLevel);
    preTokenizer.add("pretokenizers", pres);

    JsonObject decoder = typed("ByteLevel");
    decoder.addProperty("add_prefix_space", true);
    decoder.addProperty("trim_offsets", true);
    decoder.addProperty("use_regex", true);

    // added tokens: those of added_tokens_decoder by id, then the special tokens not yet among them
    // (transformers PreTrainedTokenizerFast.__init__), each with the id the vocabulary gives it
    Map<Long, AddedToken> added = new TreeMap<>(special.addedTokensDecoder);
    LinkedHashSet<String> present = new LinkedHashSet<>();
    added.values().forEach(t -> present.add(t.content));
    long nextId = nextFreeId(vocab, added);
    for (AddedToken t : special.all()) {
      if (present.add(t.content)) {
        long id = vocab.has(t.content) ? vocab.get(t.content).getAsLong() : nextId++;
        added.put(id, t);
      }
    }
    JsonArray addedTokens = new JsonArray();
    for (Map.Entry<Long, AddedToken> e : added.entrySet()) {
      AddedToken t = e.getValue();
      JsonObject o = new JsonObject();
      o.addProperty("id", e.getKey());
      o.addProperty("content", t.content);
      o.addProperty("single_word", t.singleWord);
      o.addProperty("lstrip", t.lstrip);
      o.addProperty("rstrip", t.rstrip);
      o.addProperty("normalized", t.normalized);
      o.addProperty("special", t.special);
      addedTokens.add(o);
    }

    JsonObject def = new JsonObject();
    def.addProperty("version", "1.0");
    def.add("truncation", JsonNull.INSTANCE);
    def.add("padding", JsonNull.INSTANCE);
    def.add("added_tokens", addedTokens);
    def.add("normalizer", normalizer);
    def.add("pre_tokenizer", preTokenizer);
    // "Hack to have a ByteLevel and TemplateProcessor" (CLIPConverter): RobertaProcessing adds bos/eos
    JsonObject post = typed("RobertaProcessing");
    String defName = vocabName;
    post.add("sep", pair(special.eos.content, idOf(vocab, added, special.eos.content, defName, "eos_token")));
    post.add("cls", pair(special.bos.content, idOf(vocab, added, special.bos.content, defName, "bos_token")));
    post.addProperty("trim_offsets", false);
    post.addProperty("add_prefix_space", false);
    def.add("post_processor", post);
    def.add("decoder", decoder);
    def.add("model", model);
    return def;
  }

  /** Merges as transformers' CLIPTokenizer reads them: strip the file, drop line 0, keep at most 48894 lines. */
  private static List<String> readMerges(Path mergesFile) {
    String text;
    try {
      text = Files.readString(mergesFile, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(mergesFile + ": file is missing (a tokenizer folder needs tokenizer.json, or "
          + "vocab.json + merges.txt)");
    } catch (IOException e) {
      throw new ConfigException(mergesFile + ": cannot read: " + e.getMessage(), e);
    }
    String[] lines = text.strip().split("\n", -1);
    List<String> out = new ArrayList<>();
    LinkedHashSet<String> seen = new LinkedHashSet<>();
    for (int i = 1; i < lines.length && i <= MAX_MERGES; i++) {
      String[] parts = lines[i].strip().split("\\s+");
      if (parts.length != 2 || parts[0].isEmpty()) {
        throw new ConfigException(display(mergesFile) + ": line " + (i + 1) + " is '" + lines[i]
            + "', expected two space-separated symbols");
      }
      String merge = parts[0] + " " + parts[1];
      if (seen.add(merge)) { // bpe_ranks is a dict: a repeated merge keeps its first position
        out.add(merge);
      }
    }
    return out;
  }

  private static long nextFreeId(JsonObject vocab, Map<Long, AddedToken> added) {
    long max = -1;
    for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
      max = Math.max(max, e.getValue().getAsLong());
    }
    for (long id : added.keySet()) {
      max = Math.max(max, id);
    }
    return max + 1;
  }

  private static long idOf(JsonObject vocab, Map<Long, AddedToken> added, String content, String file,
      String field) {
    for (Map.Entry<Long, AddedToken> e : added.entrySet()) {
      if (e.getValue().content.equals(content)) {
        return e.getKey();
      }
    }
    if (vocab.has(content)) {
      return vocab.get(content).getAsLong();
    }
    throw new ConfigException(file + ": " + field + " '" + content + "' is neither in the vocabulary nor an added "
        + "token");
  }

  /** The id of a token in a fast-tokenizer definition: an added token's id, else its vocabulary id. */
  private static long resolveId(JsonObject def, AddedToken token, String file, String field) {
    if (def.has("added_tokens") && def.get("added_tokens").isJsonArray()) {
      for (JsonElement e : def.getAsJsonArray("added_tokens")) {
        JsonObject o = e.getAsJsonObject();
        if (token.content.equals(o.get("content").getAsString())) {
          return o.get("id").getAsLong();
        }
      }
    }
    JsonObject model = def.has("model") ? def.getAsJsonObject("model") : null;
    if (model != null && model.has("vocab") && model.get("vocab").isJsonObject()
        && model.getAsJsonObject("vocab").has(token.content)) {
      return model.getAsJsonObject("vocab").get(token.content).getAsLong();
    }
    throw new ConfigException(file + ": " + field + " '" + token.content + "' is neither an added token nor in the "
        + "vocabulary");
  }

  private static JsonObject typed(String type) {
    JsonObject o = new JsonObject();
    o.addProperty("type", type);
    return o;
  }

  private static JsonObject regex(String pattern) {
    JsonObject o = new JsonObject();
    o.addProperty("Regex", pattern);
    return o;
  }

  private static JsonArray pair(String token, long id) {
    JsonArray a = new JsonArray();
    a.add(token);
    a.add(id);
    return a;
  }

  static JsonObject readObject(Path file) {
    try {
      JsonElement e = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
      if (!e.isJsonObject()) {
        throw new ConfigException(display(file) + ": expected a JSON object");
      }
      return e.getAsJsonObject();
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": file is missing (a tokenizer folder needs tokenizer.json, or vocab.json "
          + "+ merges.txt)");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
    } catch (com.google.gson.JsonParseException e) {
      throw new ConfigException(display(file) + ": not well-formed JSON: " + e.getMessage(), e);
    }
  }

  static String display(Path file) {
    Path parent = file.getParent();
    return parent == null || parent.getFileName() == null ? file.toString()
        : parent.getFileName() + "/" + file.getFileName();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Special tokens (transformers tokenization_utils_base: tokenizer_config.json, then special_tokens_map.json)

  /** One added token with the flags of {@code tokenizers.AddedToken}. */
  record AddedToken(String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized,
      boolean special) {

    static AddedToken parse(JsonElement e, boolean normalizedIfString, String file, String field) {
      if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
        return new AddedToken(e.getAsString(), false, false, false, normalizedIfString, true);
      }
      if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
        JsonObject o = e.getAsJsonObject();
        return new AddedToken(o.get("content").getAsString(), flag(o, "single_word", false), flag(o, "lstrip", false),
            flag(o, "rstrip", false), flag(o, "normalized", true), flag(o, "special", true));
      }
      throw new ConfigException(file + ": " + field + " must be a string or an object with 'content', got " + e);
    }

    private static boolean flag(JsonObject o, String key, boolean def) {
      return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsBoolean() : def;
    }
  }

  /** What the tokenizer folder's JSON files say about special tokens and length. */
  static final class SpecialTokens {
    int modelMaxLength;
    AddedToken bos;
    AddedToken eos;
    AddedToken unk;
    AddedToken pad;
    final Map<Long, AddedToken> addedTokensDecoder = new LinkedHashMap<>();

    List<AddedToken> all() {
      return List.of(bos, eos, unk, pad);
    }

    static SpecialTokens read(Path dir) {
      Path configFile = dir.resolve("tokenizer_config.json");
      JsonObject config = Files.isRegularFile(configFile) ? readObject(configFile) : new JsonObject();
      String configName = display(configFile);
      Path mapFile = dir.resolve("special_tokens_map.json");
      JsonObject map = Files.isRegularFile(mapFile) ? readObject(mapFile) : new JsonObject();
      String mapName = display(mapFile);

      SpecialTokens s = new SpecialTokens();
      if (!config.has("model_max_length") || !config.get("model_max_length").isJsonPrimitive()) {
        throw new ConfigException(configName + ": model_max_length is required (the length prompts are padded and "
            + "truncated to, 77 for CLIP)");
      }
      double len = config.get("model_max_length").getAsDouble();
      if (len < 2 || len > 1_000_000 || len != Math.rint(len)) {
        throw new ConfigException(configName + ": model_max_length must be an integer in [2, 1000000], got "
            + config.get("model_max_length"));
      }
      s.modelMaxLength = (int) len;
      if (config.has("added_tokens_decoder") && config.get("added_tokens_decoder").isJsonObject()) {
        for (Map.Entry<String, JsonElement> e : config.getAsJsonObject("added_tokens_decoder").entrySet()) {
          long id;
          try {
            id = Long.parseLong(e.getKey());
          } catch (NumberFormatException ex) {
            throw new ConfigException(configName + ": added_tokens_decoder key '" + e.getKey() + "' is not an id");
          }
          s.addedTokensDecoder.put(id, AddedToken.parse(e.getValue(), false, configName, "added_tokens_decoder"));
        }
      }
      // CLIPTokenizer's defaults; bos/eos/unk given as strings become AddedToken(normalized=True) in its __init__,
      // other string special tokens normalized=False (PreTrainedTokenizer._add_tokens)
      s.bos = token(config, map, "bos_token", "<|startoftext|>", true, configName, mapName);
      s.eos = token(config, map, "eos_token", "<|endoftext|>", true, configName, mapName);
      s.unk = token(config, map, "unk_token", "<|endoftext|>", true, configName, mapName);
      s.pad = token(config, map, "pad_token", "<|endoftext|>", false, configName, mapName);
      return s;
    }

    /** special_tokens_map.json overrides tokenizer_config.json, as in transformers' {@code _from_pretrained}. */
    private static AddedToken token(JsonObject config, JsonObject map, String key, String def,
        boolean normalizedIfString, String configName, String mapName) {
      if (map.has(key) && !map.get(key).isJsonNull()) {
        return AddedToken.parse(map.get(key), normalizedIfString, mapName, key);
      }
      if (config.has(key) && !config.get(key).isJsonNull()) {
        return AddedToken.parse(config.get(key), normalizedIfString, configName, key);
      }
      return new AddedToken(def, false, false, false, normalizedIfString, true);
    }
  }
}
