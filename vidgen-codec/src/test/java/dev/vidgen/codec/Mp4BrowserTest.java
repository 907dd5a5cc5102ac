package dev.vidgen.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vidgen.api.Video;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Headless Chromium (Debian package {@code chromium}) plays our MP4 from a loopback HTTP server, as a browser
 * would on the web: it must say it can play H.264 Constrained Baseline, report the right duration and size, seek,
 * play to the end, and show the flat colour patches in the right colours when a frame is drawn to a canvas.
 *
 * <p>The page posts its findings (one {@code key=value} per line, also written into the page's DOM) back to the
 * server; headless {@code --dump-dom} cannot be used because it dumps before playback ends. The server answers
 * HTTP range requests, so the player loads the file progressively, which needs the moov box first.
 */
class Mp4BrowserTest {
  private static final int WIDTH = 576;
  private static final int HEIGHT = 320;
  private static final int FRAMES = 24;
  private static final int FPS = 12;
  private static final int SEEK_FRAME = 5;
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

  @TempDir Path dir;

  @Test
  void chromiumPlaysTheFileWithTheRightColours() throws Exception {
    ExternalTool chromium = ExternalTool.chromium();
    Video video = TestClips.natural(WIDTH, HEIGHT, FRAMES, FPS);
    Path clip = dir.resolve("clip.mp4");
    video.save(clip);
    byte[] mp4 = Files.readAllBytes(clip);
    byte[] page = page().getBytes(StandardCharsets.UTF_8);

    CompletableFuture<String> posted = new CompletableFuture<>();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/result") && exchange.getRequestMethod().equals("POST")) {
          posted.complete(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(204, -1);
        } else if (path.equals("/page.html")) {
          send(exchange, "text/html; charset=utf-8", page);
        } else if (path.equals("/clip.mp4")) {
          send(exchange, "video/mp4", mp4);
        } else {
          exchange.sendResponseHeaders(404, -1);
        }
      }
    });
    server.start();
    Process browser = null;
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/page.html";
      browser = new ProcessBuilder(chromium.path().toString(), "--headless", "--no-sandbox", "--disable-gpu",
          "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--mute-audio", "--user-data-dir=" + dir.resolve("profile"),
          "--autoplay-policy=no-user-gesture-required", url)
          .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
      String report;
      try {
        report = posted.get(60, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        fail("Chromium posted no result within 60 s; its log:\n" + Files.readString(dir.resolve("chromium.log")));
        return;
      }
      Map<String, String> r = parse(report);
      System.out.println("Chromium report: " + r);
      assertEquals("probably", r.get("canPlayType"), "canPlayType('video/mp4; codecs=\"avc1.42C01E\"'): " + r);
      assertEquals(null, r.get("error"), "media error: " + r);
      assertEquals((double) FRAMES / FPS, Double.parseDouble(r.get("duration")), 1e-3, "duration: " + r);
      assertEquals(String.valueOf(WIDTH), r.get("videoWidth"), "width: " + r);
      assertEquals(String.valueOf(HEIGHT), r.get("videoHeight"), "height: " + r);
      assertEquals("true", r.get("ended"), "played to the end: " + r);
      assertEquals((double) FRAMES / FPS, Double.parseDouble(r.get("endTime")), 1e-3, "time at the end: " + r);
      for (String stage : List.of("seek", "end")) {
        for (int i = 0; i < TestClips.PATCHES.size(); i++) {
          String key = stage + ".patch" + i;
          String[] rgb = r.get(key).split(",");
          java.awt.Color expected = TestClips.PATCHES.get(i).color();
          int[] want = {expected.getRed(), expected.getGreen(), expected.getBlue()};
          for (int c = 0; c < 3; c++) {
            double got = Double.parseDouble(rgb[c]);
            // Same bound as for ffmpeg's decoding (Mp4WriterTest): Chromium 156 showed at most 1.6 levels off.
            assertTrue(Math.abs(got - want[c]) <= 3.5,
                String.format(Locale.ROOT, "%s channel %d: browser shows %.2f, source %d (%s)", key, c, got,
                    want[c], r));
          }
        }
      }
    } finally {
      if (browser != null) {
        browser.descendants().forEach(ProcessHandle::destroyForcibly);
        browser.destroyForcibly();
        browser.waitFor(10, TimeUnit.SECONDS);
      }
      server.stop(0);
    }
  }

  /** Serves {@code body}, honouring a single {@code Range: bytes=a-b} request as browsers send for media. */
  private static void send(HttpExchange exchange, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
    String range = exchange.getRequestHeaders().getFirst("Range");
    Matcher m = range == null ? null : RANGE.matcher(range.trim());
    int from = 0;
    int to = body.length - 1;
    if (m != null && m.matches()) {
      from = Integer.parseInt(m.group(1));
      to = m.group(2).isEmpty() ? body.length - 1 : Math.min(body.length - 1, Integer.parseInt(m.group(2)));
      exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + body.length);
      exchange.sendResponseHeaders(206, to - from + 1);
    } else {
      exchange.sendResponseHeaders(200, body.length);
    }
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body, from, to - from + 1);
    }
  }

  private static Map<String, String> parse(String report) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : report.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return values;
  }

  /** The test page: seeks to one frame, samples the patches, plays to the end, samples again, posts the report. */
  private static String page() {
    StringBuilder patches = new StringBuilder("[");
    for (TestClips.Patch p : TestClips.PATCHES) {
      int border = 4;
      patches.append(String.format(Locale.ROOT, "[%d,%d,%d,%d],", p.left(WIDTH) + border, p.top(HEIGHT) + border,
          p.right(WIDTH) - p.left(WIDTH) - 2 * border, p.bottom(HEIGHT) - p.top(HEIGHT) - 2 * border));
    }
    patches.append("]");
    return """
        <!doctype html>
        <html><body>
        <video id="v" muted playsinline preload="auto"></video>
        <canvas id="c"></canvas>
        <pre id="result">pending</pre>
        <script>
        const v = document.getElementById('v');
        const patches = %s;
        const r = {};
        let reported = false;
        function report() {
          if (reported) return;
          reported = true;
          const text = Object.entries(r).map(([k, x]) => k + '=' + x).join('\\n');
          document.getElementById('result').textContent = text;
          fetch('/result', {method: 'POST', body: text});
        }
        function sample(stage) {
          const c = document.getElementById('c');
          c.width = v.videoWidth;
          c.height = v.videoHeight;
          const g = c.getContext('2d', {willReadFrequently: true});
          g.drawImage(v, 0, 0);
          patches.forEach(([x, y, w, h], i) => {
            const d = g.getImageData(x, y, w, h).data;
            const s = [0, 0, 0];
            for (let k = 0; k < d.length; k += 4) { s[0] += d[k]; s[1] += d[k + 1]; s[2] += d[k + 2]; }
            const n = d.length / 4;
            r[stage + '.patch' + i] = s.map(x => (x / n).toFixed(2)).join(',');
          });
        }
        r.canPlayType = v.canPlayType('video/mp4; codecs="avc1.42C01E"');
        v.addEventListener('error', () => { r.error = v.error ? v.error.code + ' ' + v.error.message : 'unknown'; report(); });
        v.addEventListener('loadedmetadata', () => {
          r.duration = v.duration;
          r.videoWidth = v.videoWidth;
          r.videoHeight = v.videoHeight;
          v.currentTime = (%d + 0.5) / %d;
        });
        v.addEventListener('seeked', () => {
          if (r['seek.patch0'] !== undefined) return;
          r.seekTime = v.currentTime;
          sample('seek');
          v.play().catch(e => { r.error = 'play() rejected: ' + e; report(); });
        }, {once: true});
        v.addEventListener('ended', () => {
          r.ended = v.ended;
          r.endTime = v.currentTime;
          const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : null;
          if (q) { r.decodedFrames = q.totalVideoFrames; r.droppedFrames = q.droppedVideoFrames; }
          sample('end');
          report();
        });
        setTimeout(() => { r.timeout = 'no ended event after 40 s, currentTime ' + v.currentTime; report(); }, 40000);
        v.src = 'clip.mp4';
        </script>
        </body></html>
        """.formatted(patches, SEEK_FRAME, FPS);
  }
}
