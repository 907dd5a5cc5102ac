package dev.vidgen.hub;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.regex.Pattern;

/**
 * A Hugging Face model repository and a revision (branch, tag or commit), written {@code org/name} or {@code
 * org/name@revision}. Validated as {@code huggingface_hub}'s {@code validate_repo_id} does, and so that neither part
 * can leave the cache folder ({@code ..}, absolute paths).
 *
 * @param repo {@code org/name}
 * @param revision {@code main} unless given
 */
public record RepoRef(String repo, String revision) {
  public static final String DEFAULT_REVISION = "main";
  /** huggingface_hub's REPO_ID regex: an optional namespace and a name of word characters, '-' and '.'. */
  private static final Pattern REPO_ID = Pattern.compile("[\\w.-]{1,96}/[\\w.-]{1,96}");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

  public RepoRef {
    checkArgument(isRepoId(repo), "'%s' is not a Hugging Face repository id (expected org/name of letters, digits, "
        + "'-', '_' and '.')", repo);
    revision = revision == null || revision.isBlank() ? DEFAULT_REVISION : revision;
    checkArgument(isRevision(revision), "'%s' is not a revision (a branch, tag or commit; no spaces, no '..')",
        revision);
  }

  /** Parses {@code org/name} or {@code org/name@revision}. */
  public static RepoRef parse(String text) {
    int at = text.indexOf('@');
    return at < 0 ? new RepoRef(text, null) : new RepoRef(text.substring(0, at), text.substring(at + 1));
  }

  /** Whether {@code text} (without {@code @revision}) has the form of a repository id. */
  public static boolean isRepoId(String text) {
    return text != null && REPO_ID.matcher(text).matches() && !text.contains("--") && !text.contains("..")
        && !text.endsWith(".git") && !text.startsWith(".") && !text.contains("/.");
  }

  private static boolean isRevision(String r) {
    if (r.length() > 256 || r.startsWith("/") || r.endsWith("/") || r.contains("\\")) {
      return false;
    }
    for (String part : r.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return false;
      }
    }
    return r.chars().allMatch(c -> c > 0x20 && c != 0x7f);
  }

  /** Whether the revision is a full commit hash (then the cache can answer without asking the Hub). */
  public boolean isCommit() {
    return COMMIT.matcher(revision).matches();
  }

  static boolean isCommit(String text) {
    return text != null && COMMIT.matcher(text).matches();
  }

  /** The cache folder name, {@code models--org--name}. */
  public String folderName() {
    return "models--" + repo.replace("/", "--");
  }

  @Override
  public String toString() {
    return revision.equals(DEFAULT_REVISION) ? repo : repo + "@" + revision;
  }
}
