package dev.vidgen.text;

import com.google.common.base.Preconditions;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.vidgen.api.ConfigException;
import dev.vidgen.weights.JsonConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Port of transformers v4.44 {@code models/t5/tokenization_t5.py} ({@code T5Tokenizer}, the slow SentencePiece
 * tokenizer) with the parts of {@code tokenization_utils.py} ({@code PreTrainedTokenizer.tokenize}: splitting
 * on added tokens with their lstrip/rstrip/single_word rules) and {@code tokenization_utils_base.py} ({@code
 * prepare_for_model}: truncation, the appended {@code </s>}, right padding and the attention mask) that a
 * pipeline's {@code tokenizer(prompt, padding="max_length", max_length=n, truncation=True)} goes through.
 *
 * <p>Reads a diffusers {@code tokenizer/} folder: {@code spiece.model} plus {@code tokenizer_config.json} (and
 * {@code special_tokens_map.json}); no {@code tokenizer.json} is needed, as none ships with real T5 folders.
 * Immutable and thread-safe.
 */
public final class T5Tokenizer {
  private static final String SPIECE_UNDERLINE = "\u2581";

  /**
   * The tokenizer's output for one text.
   *
   * @param inputIds token ids, padded to the requested length
   * @param attentionMask 1 for real tokens (including {@code </s>}), 0 for padding
   */
  public record Encoding(long[] inputIds, long[] attentionMask) {
    public Encoding {
      Preconditions.checkArgument(inputIds.length == attentionMask.length, "ids and mask differ in length");
      inputIds = inputIds.clone();
      attentionMask = attentionMask.clone();
    }

    @Override
    public long[] inputIds() {
      return inputIds.clone();
    }

    @Override
    public long[] attentionMask() {
      return attentionMask.clone();
    }

    @Override
    public String toString() {
      return "Encoding" + Arrays.toString(inputIds);
    }
  }

  /** An added token ({@code AddedToken}) with the whitespace rules that {@code tokenize} applies around it. */
  record AddedToken(String content, int id, boolean lstrip, boolean rstrip, boolean singleWord, boolean special) {}

  private final SentencePieceProcessor spModel;
  private final boolean legacy;
  private final boolean addPrefixSpace;
  private final Map<String, AddedToken> addedTokens; // content -> token (added_tokens_encoder)
  private final List<String> addedByLength; // contents, longest first (for the split)
  private final String unkToken;
  private final int eosTokenId;
  private final int padTokenId;

  T5Tokenizer(SentencePieceProcessor spModel, boolean legacy, boolean addPrefixSpace,
      Map<String, AddedToken> addedTokens, String unkToken, int eosTokenId, int padTokenId) {
    // get_spm_processor: non-legacy tokenizers load the model without the dummy prefix.
    this.spModel = legacy ? spModel : spModel.withAddDummyPrefix(false);
    this.legacy = legacy;
    this.addPrefixSpace = addPrefixSpace;
    this.addedTokens = Map.copyOf(addedTokens);
    List<String> byLen = new ArrayList<>(addedTokens.keySet());
    byLen.sort(Comparator.comparingInt(String::length).reversed());
    this.addedByLength = List.copyOf(byLen);
    this.unkToken = unkToken;
    this.eosTokenId = eosTokenId;
    this.padTokenId = padTokenId;
  }

  /**
   * Loads a {@code tokenizer/} folder. {@code legacy} defaults to true when absent, as transformers 4.44 does
   * (with a warning there); added tokens come from {@code added_tokens_decoder}, or else are rebuilt the way
   * {@code T5Tokenizer.__init__} does ({@code <extra_id_i>} at {@code len(sp_model) - 1 + extra_ids - i}).
   */
  public static T5Tokenizer load(Path dir) {
    Path model = dir.resolve("spiece.model");
    if (!Files.isRegularFile(model)) {
      throw new ConfigException(dir + ": no spiece.model (a T5Tokenizer folder holds the SentencePiece model "
          + "spiece.model and tokenizer_config.json)");
    }
    SentencePieceProcessor sp = SentencePieceProcessor.load(model);
    Path configFile = dir.resolve("tokenizer_config.json");
    JsonConfig cfg = Files.isRegularFile(configFile) ? JsonConfig.read(configFile)
        : new JsonConfig("tokenizer/tokenizer_config.json", new JsonObject());
    Path mapFile = dir.resolve("special_tokens_map.json");
    JsonConfig map = Files.isRegularFile(mapFile) ? JsonConfig.read(mapFile)
        : new JsonConfig("tokenizer/special_tokens_map.json", new JsonObject());

    boolean legacy = cfg.getBool("legacy", true);
    boolean addPrefixSpace = cfg.getBool("add_prefix_space", true);
    int extraIds = cfg.getInt("extra_ids", 100);
    String eos = tokenContent(cfg, map, "eos_token", "</s>");
    String unk = tokenContent(cfg, map, "unk_token", "<unk>");
    String pad = tokenContent(cfg, map, "pad_token", "<pad>");

    Map<String, AddedToken> added = new LinkedHashMap<>();
    JsonObject decoder = cfg.has("added_tokens_decoder") ? cfg.json().getAsJsonObject("added_tokens_decoder") : null;
    if (decoder != null) {
      for (Map.Entry<String, JsonElement> e : decoder.entrySet()) {
        JsonObject t = e.getValue().getAsJsonObject();
        String content = t.get("content").getAsString();
        int id;
        try {
          id = Integer.parseInt(e.getKey());
        } catch (NumberFormatException ex) {
          throw cfg.error("added_tokens_decoder", "has a non-integer id '" + e.getKey() + "'");
        }
        added.put(content, new AddedToken(content, id, flag(t, "lstrip"), flag(t, "rstrip"), flag(t, "single_word"),
            flag(t, "special")));
      }
    } else {
      for (int i = 0; i < extraIds; i++) {
        String content = "<extra_id_" + i + ">";
        added.put(content, new AddedToken(content, sp.pieceSize() - 1 + extraIds - i, true, true, false, true));
      }
    }
    // Special tokens are added tokens too (PreTrainedTokenizer.__init__ adds the missing ones with their sp id).
    for (String s : List.of(eos, unk, pad)) {
      added.putIfAbsent(s, new AddedToken(s, sp.pieceToId(s), false, false, false, true));
    }
    cfg.markKnown("additional_special_tokens", "clean_up_tokenization_spaces", "model_max_length", "sp_model_kwargs",
        "tokenizer_class", "name_or_path", "padding_side", "truncation_side", "model_input_names");
    int eosId = added.get(eos).id();
    int padId = added.get(pad).id();
    return new T5Tokenizer(sp, legacy, addPrefixSpace, added, unk, eosId, padId);
  }

  private static boolean flag(JsonObject t, String key) {
    return t.has(key) && !t.get(key).isJsonNull() && t.get(key).getAsBoolean();
  }

  /** A special token given as a string or as an {@code AddedToken} object, in the config or the map. */
  private static String tokenContent(JsonConfig cfg, JsonConfig map, String key, String def) {
    for (JsonConfig c : List.of(cfg, map)) {
      if (c.has(key)) {
        JsonElement e = c.json().get(key);
        if (e.isJsonPrimitive()) {
          return e.getAsString();
        }
        if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
          return e.getAsJsonObject().get("content").getAsString();
        }
        throw c.error(key, "must be a string or an object with 'content', got " + e);
      }
    }
    return def;
  }

  /**
   * This tokenizer as a {@link dev.vidgen.spi.Tokenizer} that pads and truncates to {@code maxLength} (T5
   * pipelines choose the length per call: LTX-Video's {@code max_sequence_length} is 128, CogVideoX's 226).
   */
  public dev.vidgen.spi.Tokenizer paddedTo(int maxLength) {
    Preconditions.checkArgument(maxLength >= 1, "maxLength must be >= 1 but was %s", maxLength);
    return new dev.vidgen.spi.Tokenizer() {
      @Override
      public long[] encode(String text) {
        return T5Tokenizer.this.encode(text, maxLength).inputIds();
      }

      @Override
      public int maxLength() {
        return maxLength;
      }
    };
  }

  public int eosTokenId() {
    return eosTokenId;
  }

  public int padTokenId() {
    return padTokenId;
  }

  /**
   * {@code tokenizer(text, padding="max_length", max_length=maxLength, truncation=True,
   * add_special_tokens=True)}: the ids of {@link #tokenize}, cut to {@code maxLength - 1}, {@code </s>} appended
   * (unless already last), right-padded with {@code <pad>} to {@code maxLength}.
   */
  public Encoding encode(String text, int maxLength) {
    Preconditions.checkArgument(maxLength >= 1, "maxLength must be >= 1 but was %s", maxLength);
    int[] ids = convertTokensToIds(tokenize(text));
    // prepare_for_model: total = len(ids) + num_special_tokens_to_add (1, the </s>).
    int total = ids.length + 1;
    if (total > maxLength) {
      int remove = total - maxLength;
      if (ids.length > remove) {
        ids = Arrays.copyOf(ids, ids.length - remove);
      }
    }
    // build_inputs_with_special_tokens: _add_eos_if_not_present.
    if (ids.length == 0 || ids[ids.length - 1] != eosTokenId) {
      ids = Arrays.copyOf(ids, ids.length + 1);
      ids[ids.length - 1] = eosTokenId;
    }
    int n = Math.max(maxLength, ids.length);
    long[] out = new long[n];
    long[] mask = new long[n];
    Arrays.fill(out, padTokenId);
    for (int i = 0; i < ids.length; i++) {
      out[i] = ids[i];
      mask[i] = 1;
    }
    return new Encoding(out, mask);
  }

  /** {@code convert_tokens_to_ids}: added tokens by their id, the rest by {@code sp_model.piece_to_id}. */
  public int[] convertTokensToIds(List<String> tokens) {
    int[] ids = new int[tokens.size()];
    for (int i = 0; i < ids.length; i++) {
      AddedToken a = addedTokens.get(tokens.get(i));
      ids[i] = a != null ? a.id() : spModel.pieceToId(tokens.get(i));
    }
    return ids;
  }

  /** {@code T5Tokenizer.tokenize}: the token strings of {@code text}. */
  public List<String> tokenize(String text) {
    if (legacy || text.isEmpty()) {
      return baseTokenize(text);
    }
    String t = text.replace(SPIECE_UNDERLINE, " ");
    if (addPrefixSpace) {
      t = SPIECE_UNDERLINE + t;
    }
    List<String> tokens = baseTokenize(t);
    if (tokens.size() > 1 && tokens.get(0).equals(SPIECE_UNDERLINE) && isSpecial(tokens.get(1))) {
      tokens = new ArrayList<>(tokens.subList(1, tokens.size()));
    }
    return tokens;
  }

  private boolean isSpecial(String token) {
    AddedToken a = addedTokens.get(token);
    return a != null && a.special();
  }

  /** {@code PreTrainedTokenizer.tokenize}: split on added tokens, apply their strip rules, encode the rest. */
  private List<String> baseTokenize(String text) {
    List<String> parts = splitOnAddedTokens(text);
    for (int i = 0; i < parts.size(); i++) {
      AddedToken tok = addedTokens.get(parts.get(i));
      if (tok == null) {
        continue;
      }
      String left = i > 0 ? parts.get(i - 1) : null;
      String right = i < parts.size() - 1 ? parts.get(i + 1) : null;
      if (tok.rstrip() && right != null && !right.isEmpty()) {
        parts.set(i + 1, pyLstrip(right)); // the token eats the white space on its right
      }
      if (tok.lstrip() && left != null && !left.isEmpty()) {
        parts.set(i - 1, pyRstrip(left));
      }
      // single_word looks at the neighbours as they were before stripping, as the Python does.
      if (tok.singleWord() && left != null && !left.isEmpty() && left.charAt(left.length() - 1) != ' ') {
        parts.set(i - 1, parts.get(i - 1) + parts.get(i));
        parts.set(i, "");
      } else if (tok.singleWord() && right != null && !right.isEmpty() && right.charAt(0) != ' ') {
        parts.set(i, parts.get(i) + right);
        parts.set(i + 1, "");
      }
    }
    List<String> out = new ArrayList<>();
    for (String p : parts) {
      if (p.isEmpty()) {
        continue;
      }
      if (addedTokens.containsKey(p)) {
        out.add(p);
      } else {
        out.addAll(spTokenize(p));
      }
    }
    return out;
  }

  /** {@code T5Tokenizer._tokenize}. */
  private List<String> spTokenize(String text) {
    if (legacy || !(text.startsWith(SPIECE_UNDERLINE) || text.startsWith(" "))) {
      return spModel.encodeAsPieces(text);
    }
    // Encode "<unk>" + text and drop the pieces of "<unk>", so that no dummy prefix is invented.
    List<String> tokens = spModel.encodeAsPieces(unkToken + text);
    int unkLength = spModel.encodeAsPieces(unkToken).size();
    return tokens.size() >= unkLength ? new ArrayList<>(tokens.subList(unkLength, tokens.size())) : tokens;
  }

  /** The trie split of {@code tokens_trie.split}: leftmost added token, longest at that position. */
  private List<String> splitOnAddedTokens(String text) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    int i = 0;
    while (i < text.length()) {
      String match = null;
      for (String t : addedByLength) {
        if (text.startsWith(t, i)) {
          match = t;
          break;
        }
      }
      if (match == null) {
        i++;
        continue;
      }
      if (i > start) {
        parts.add(text.substring(start, i));
      }
      parts.add(match);
      i += match.length();
      start = i;
    }
    if (start < text.length()) {
      parts.add(text.substring(start));
    }
    return parts;
  }

  /** Python's {@code str.isspace} for one code point. */
  private static boolean pyIsSpace(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85 || (cp >= 0x1C && cp <= 0x1F);
  }

  private static String pyLstrip(String s) {
    int i = 0;
    while (i < s.length() && pyIsSpace(s.codePointAt(i))) {
      i += Character.charCount(s.codePointAt(i));
    }
    return s.substring(i);
  }

  private static String pyRstrip(String s) {
    int j = s.length();
    while (j > 0 && pyIsSpace(s.codePointBefore(j))) {
      j -= Character.charCount(s.codePointBefore(j));
    }
    return s.substring(0, j);
  }
}
