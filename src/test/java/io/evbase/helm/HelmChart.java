package io.evbase.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The chart under {@code helm/evbase}, driven by the real Helm engine that helm-java embeds
 * (a native library, no {@code helm} binary and no cluster needed).
 */
final class HelmChart {

    static final String RELEASE = "shop";
    static final String NAMESPACE = "cache";
    static final String FULLNAME = RELEASE + "-evbase";

    /** Values file with every optional feature on. */
    static final Path ALL_FEATURES = projectDir().resolve("src/test/resources/helm/all-features.yaml");

    private final Path dir;

    private HelmChart(Path dir) {
        this.dir = dir;
    }

    static HelmChart evbase() {
        return new HelmChart(projectDir().resolve("helm/evbase"));
    }

    static Path projectDir() {
        // Surefire sets basedir; an IDE usually runs in the project directory.
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    Path dir() {
        return dir;
    }

    LintResult lintStrict() {
        return new Helm(dir).lint().strict().call();
    }

    /** {@code helm template} with the chart's defaults plus the given {@code --set} values. */
    RenderedManifests render(Map<String, ?> sets) {
        return render(null, sets);
    }

    /** {@code helm template -f valuesFile} plus the given {@code --set} values. */
    RenderedManifests render(Path valuesFile, Map<String, ?> sets) {
        return RenderedManifests.parse(renderText(valuesFile, sets));
    }

    String renderText(Path valuesFile, Map<String, ?> sets) {
        TemplateCommand template = new Helm(dir).template().withName(RELEASE).withNamespace(NAMESPACE);
        if (valuesFile != null) {
            template = template.withValuesFile(valuesFile);
        }
        for (Map.Entry<String, ?> set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return template.call();
    }

    /**
     * A copy of the chart in {@code target}, for tests that must alter a template before
     * rendering it (helm-java's template leaves hooks out of its output).
     */
    HelmChart copyTo(Path target) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path source : files.sorted(Comparator.naturalOrder()).toList()) {
                Path copy = target.resolve(dir.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(source, copy);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new HelmChart(target);
    }
}
