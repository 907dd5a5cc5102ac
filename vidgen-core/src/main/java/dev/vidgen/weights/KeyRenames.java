package dev.vidgen.weights;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;

/**
 * An ordered rename table for checkpoint keys, applied the way diffusers' single-file converters ({@code
 * loaders/single_file_utils.py}) apply their {@code *_KEYS_RENAME_DICT}: every rule, in table order, replaces every
 * occurrence of its text in the key as the earlier rules left it ({@code new_key = new_key.replace(a, b)}), so a
 * later rule sees the results of earlier ones and the order is part of the table.
 *
 * @param rules the replacements in order
 */
public record KeyRenames(List<Rule> rules) {
  /** One replacement: every occurrence of {@code from} becomes {@code to}. */
  public record Rule(String from, String to) {
    public Rule {
      checkArgument(from != null && !from.isEmpty(), "a rename rule needs a non-empty text to replace");
      checkArgument(to != null, "rename rule for '%s' has no replacement", from);
    }
  }

  public KeyRenames {
    rules = List.copyOf(rules);
  }

  /** A table from {@code from, to} pairs in order, as written in a Python dict literal. */
  public static KeyRenames of(String... pairs) {
    checkArgument(pairs.length % 2 == 0, "rename pairs must come in twos (from, to), got %s strings", pairs.length);
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < pairs.length; i += 2) {
      rules.add(new Rule(pairs[i], pairs[i + 1]));
    }
    checkDistinct(rules);
    return new KeyRenames(rules);
  }

  /**
   * Python's {@code dict.update}: a rule whose text is already in the table keeps its position and takes the new
   * replacement; new texts are appended in their order.
   */
  public KeyRenames updatedWith(KeyRenames other) {
    List<Rule> out = new ArrayList<>(rules);
    for (Rule r : other.rules) {
      int at = -1;
      for (int i = 0; i < out.size(); i++) {
        if (out.get(i).from().equals(r.from())) {
          at = i;
        }
      }
      if (at >= 0) {
        out.set(at, r);
      } else {
        out.add(r);
      }
    }
    return new KeyRenames(out);
  }

  /** The key after every rule, in order. */
  public String apply(String key) {
    String k = key;
    for (Rule r : rules) {
      k = k.replace(r.from(), r.to());
    }
    return k;
  }

  private static void checkDistinct(List<Rule> rules) {
    for (int i = 0; i < rules.size(); i++) {
      for (int j = i + 1; j < rules.size(); j++) {
        checkArgument(!rules.get(i).from().equals(rules.get(j).from()),
            "rename table lists '%s' twice (a dict keeps one entry per key)", rules.get(i).from());
      }
    }
  }
}
