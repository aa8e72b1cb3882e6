package io.evbase;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documentation's links hold: in README.md, every page of docs/ and helm/evbase/README.md, every relative link
 * names a file of the repository (and an anchor into a Markdown file names one of its headings, by GitHub's
 * slugs); README.md links nothing outside the repository except localhost, and links every page of docs/. Offline:
 * nothing is fetched.
 */
class DocumentationLinksTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();

    /** {@code [text](target)} and {@code ![alt](target)}; the target up to whitespace (a title may follow). */
    private static final Pattern INLINE = Pattern.compile(
            "!?\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** {@code [label]: target} */
    private static final Pattern REFERENCE = Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s+.*)?$");
    /** {@code href="..."} and {@code src="..."} of inline HTML. */
    private static final Pattern HTML = Pattern.compile("\\b(?:href|src)\\s*=\\s*\"([^\"]*)\"");
    private static final Pattern HEADING = Pattern.compile("^\\s{0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern URL = Pattern.compile("https?://[^\\s)>\"'`]+");
    private static final Pattern SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*:");
    private static final Pattern LOCALHOST = Pattern.compile("https?://(localhost|127\\.0\\.0\\.1|\\[::1\\])([:/].*)?");

    @Test
    void everyRelativeLinkResolvesAndEveryAnchorNamesAHeading() {
        assertThat(problems(ROOT, documents(ROOT))).isEmpty();
    }

    @Test
    void theReadmeLinksNothingOutsideTheRepository() {
        assertThat(readmeProblems(ROOT)).isEmpty();
    }

    @Test
    void theReadmeLinksEveryPageOfDocs() throws IOException {
        List<Path> pages;
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            pages = files.filter(f -> f.toString().endsWith(".md")).sorted().toList();
        }
        assertThat(pages).as("pages in docs/").isNotEmpty();
        Path readme = ROOT.resolve("README.md");
        Set<Path> linked = new LinkedHashSet<>();
        for (Link link : links(readme)) {
            if (isRelative(link.target())) {
                linked.add(resolve(readme, link.target()));
            }
        }
        assertThat(linked).as("files README.md links").containsAll(pages);
    }

    /** The checks find what they look for: a broken file link, a broken anchor, an external link, a way out. */
    @Test
    void brokenLinksAreFound(@TempDir Path repo) throws IOException {
        Files.createDirectories(repo.resolve("docs"));
        Files.writeString(repo.resolve("docs/a.md"), """
                # Page A

                ## Some `code`: and more

                [fine](#some-code-and-more) [fine too](../README.md#top) ![image](a.png)
                [missing file](b.md) [missing anchor](#nowhere) [missing anchor elsewhere](../README.md#nowhere)

                ```sh
                [inside a code block](not-checked.md)
                ```
                """);
        Files.writeString(repo.resolve("docs/a.png"), "");
        Files.writeString(repo.resolve("README.md"), """
                # Top

                [A](docs/a.md) [outside](../elsewhere/DESIGN.md) [web](https://example.com/x)
                <https://example.org> see https://example.net too; `https://in.code/is-fine`
                [local](http://localhost:8081/actuator/health)
                """);

        List<String> found = problems(repo, List.of(repo.resolve("README.md"), repo.resolve("docs/a.md")));
        assertThat(found).hasSize(4)
                .anySatisfy(p -> assertThat(p).contains("docs/a.md").contains("b.md").contains("no such file"))
                .anySatisfy(p -> assertThat(p).contains("docs/a.md").contains("#nowhere").contains("no heading"))
                .anySatisfy(p -> assertThat(p).contains("docs/a.md").contains("../README.md#nowhere"))
                .anySatisfy(p -> assertThat(p).contains("README.md").contains("../elsewhere/DESIGN.md")
                        .contains("outside the repository"));
        assertThat(readmeProblems(repo)).hasSize(4)
                .anySatisfy(p -> assertThat(p).contains("https://example.com/x"))
                .anySatisfy(p -> assertThat(p).contains("https://example.org"))
                .anySatisfy(p -> assertThat(p).contains("https://example.net"))
                .anySatisfy(p -> assertThat(p).contains("../elsewhere/DESIGN.md"))
                .noneSatisfy(p -> assertThat(p).contains("localhost"))
                .noneSatisfy(p -> assertThat(p).contains("in.code"));
    }

    @Test
    void slugsAreGitHubs() {
        assertThat(slug("What is verified, and how")).isEqualTo("what-is-verified-and-how");
        assertThat(slug("`GET /actuator/reactor`")).isEqualTo("get-actuatorreactor");
        assertThat(slug("A connection's life")).isEqualTo("a-connections-life");
        assertThat(slug("memcache (`evbase.memcache.*` and the protocol's own limits)"))
                .isEqualTo("memcache-evbasememcache-and-the-protocols-own-limits");
        assertThat(slug("peer_closed and [a link](x.md)")).isEqualTo("peer_closed-and-a-link");
    }

    // ---------------------------------------------------------------- the checks

    /** README.md, every page of docs/ and the chart's README. */
    private static List<Path> documents(Path root) {
        List<Path> docs = new ArrayList<>();
        docs.add(root.resolve("README.md"));
        try (Stream<Path> files = Files.list(root.resolve("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        docs.add(root.resolve("helm/evbase/README.md"));
        return docs;
    }

    /** Every relative link of {@code docs} that does not resolve, as "file:line: target: why". */
    static List<String> problems(Path root, List<Path> docs) {
        List<String> problems = new ArrayList<>();
        Map<Path, Set<String>> anchors = new HashMap<>();
        for (Path doc : docs) {
            assertThat(doc).as("a documentation file").isRegularFile();
            for (Link link : links(doc)) {
                String target = link.target();
                if (!isRelative(target)) {
                    continue;
                }
                String where = root.relativize(doc) + ":" + link.line() + ": " + target + ": ";
                int hash = target.indexOf('#');
                String fragment = hash < 0 ? null : target.substring(hash + 1);
                Path file = hash == 0 ? doc : resolve(doc, target);
                if (!file.startsWith(root)) {
                    problems.add(where + "leads outside the repository");
                    continue;
                }
                if (!Files.exists(file)) {
                    problems.add(where + "no such file");
                    continue;
                }
                if (fragment != null && !fragment.isEmpty() && file.toString().endsWith(".md")) {
                    Set<String> headings = anchors.computeIfAbsent(file, DocumentationLinksTest::headingSlugs);
                    if (!headings.contains(fragment)) {
                        problems.add(where + "no heading with the slug #" + fragment + " in " + root.relativize(file));
                    }
                }
            }
        }
        return problems;
    }

    /**
     * README.md: no URL outside code but localhost ones (link targets, autolinks, bare URLs GitHub would turn into
     * links), and no relative link that leaves the repository.
     */
    static List<String> readmeProblems(Path root) {
        Path readme = root.resolve("README.md");
        List<String> problems = new ArrayList<>();
        List<String> lines = proseLines(readme);
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = URL.matcher(lines.get(i));
            while (m.find()) {
                if (!LOCALHOST.matcher(m.group()).matches()) {
                    problems.add("README.md:" + (i + 1) + ": " + m.group() + ": a link outside the repository");
                }
            }
        }
        for (Link link : links(readme)) {
            if (isRelative(link.target()) && (link.target().startsWith("../") || link.target().contains("/../")
                    || !resolve(readme, link.target()).startsWith(root))) {
                problems.add("README.md:" + link.line() + ": " + link.target() + ": a path leaving the repository");
            }
        }
        return problems;
    }

    record Link(int line, String target) {
    }

    /** The link targets of a Markdown file, outside code blocks and code spans. */
    static List<Link> links(Path doc) {
        List<Link> links = new ArrayList<>();
        List<String> lines = proseLines(doc);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            for (Pattern p : List.of(INLINE, REFERENCE, HTML)) {
                Matcher m = p.matcher(line);
                while (m.find()) {
                    links.add(new Link(i + 1, m.group(1)));
                }
            }
        }
        return links;
    }

    /** The file's lines with fenced code blocks blanked and inline code spans removed (line numbers kept). */
    static List<String> proseLines(Path doc) {
        List<String> out = new ArrayList<>();
        String fence = null;
        try {
            for (String line : Files.readAllLines(doc)) {
                String t = line.stripLeading();
                if (fence == null && (t.startsWith("```") || t.startsWith("~~~"))) {
                    fence = t.substring(0, 3);
                    out.add("");
                } else if (fence != null) {
                    if (t.startsWith(fence)) {
                        fence = null;
                    }
                    out.add("");
                } else {
                    out.add(line.replaceAll("(`+)(?:(?!\\1).)+?\\1", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The anchors GitHub gives the file's headings: their slugs, a repeated one with -1, -2, ... */
    static Set<String> headingSlugs(Path doc) {
        Set<String> slugs = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        String fence = null;
        try {
            for (String line : Files.readAllLines(doc)) {
                String t = line.stripLeading();
                if (fence == null && (t.startsWith("```") || t.startsWith("~~~"))) {
                    fence = t.substring(0, 3);
                    continue;
                }
                if (fence != null) {
                    if (t.startsWith(fence)) {
                        fence = null;
                    }
                    continue;
                }
                Matcher m = HEADING.matcher(line);
                if (m.matches()) {
                    String slug = slug(m.group(2));
                    int n = seen.merge(slug, 1, Integer::sum);
                    slugs.add(n == 1 ? slug : slug + "-" + (n - 1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return slugs;
    }

    /** GitHub's heading anchor: the text of links kept, lower case, punctuation dropped, each space a hyphen. */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
        return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\p{M}\\p{Pc} -]", "").replace(' ', '-');
    }

    /** Neither empty nor with a scheme ({@code https:}, {@code mailto:}) nor protocol-relative ({@code //host}). */
    private static boolean isRelative(String target) {
        return !target.isEmpty() && !target.startsWith("//") && !SCHEME.matcher(target).lookingAt();
    }

    /** The file a relative target names, from the directory of {@code doc} (its anchor dropped). */
    private static Path resolve(Path doc, String target) {
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        if (path.isEmpty()) {
            return doc.toAbsolutePath().normalize();
        }
        return doc.toAbsolutePath().getParent().resolve(path).normalize();
    }
}
