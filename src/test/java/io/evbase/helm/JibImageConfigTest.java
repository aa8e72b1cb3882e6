package io.evbase.helm;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.Yaml;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.evbase.helm.ChartInvariantsTest.listenerPorts;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jib configuration in pom.xml against the chart: no Docker engine here to build and run
 * the image, so this checks that what jib would build is what the chart expects to run.
 */
class JibImageConfigTest {

    private static Element jib;
    private static Map<String, String> properties;
    private static RenderedManifests defaults;

    @BeforeAll
    static void readPomAndChart() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document pom = factory.newDocumentBuilder().parse(HelmChart.projectDir().resolve("pom.xml").toFile());
        Element project = pom.getDocumentElement();
        properties = new HashMap<>();
        for (Element property : children(child(project, "properties"))) {
            properties.put(property.getTagName(), property.getTextContent().trim());
        }
        jib = children(child(child(project, "build"), "plugins")).stream()
                .filter(plugin -> text(plugin, "artifactId").equals("jib-maven-plugin"))
                .findFirst().orElseThrow(() -> new AssertionError("no jib-maven-plugin in pom.xml"));
        defaults = HelmChart.evbase().render(Map.of());
    }

    @Test
    void jibRunsOnlyWhenAskedFor() {
        // An execution would bind a goal to a phase and make package/verify need a registry.
        assertThat(child(jib, "executions")).isNull();
        assertThat(resolve(text(jib, "version"))).isEqualTo("3.5.2");
    }

    @Test
    void baseImageIsATemurin17JreAndConfigurable() {
        String from = text(child(child(jib, "configuration"), "from"), "image");

        assertThat(from).isEqualTo("${evbase.image.base}");
        assertThat(resolve(from)).isEqualTo("eclipse-temurin:17-jre");
    }

    @Test
    void imageJibBuildsIsTheChartsDefaultImage() throws IOException {
        Map<String, Object> chartYaml = new Yaml().load(Files.readString(HelmChart.evbase().dir().resolve("Chart.yaml")));
        String to = resolve(text(child(child(jib, "configuration"), "to"), "image"));

        assertThat(to).isEqualTo("evbase:" + chartYaml.get("appVersion"));
        assertThat(ChartInvariantsTest.server(defaults.deployment()).getImage()).isEqualTo(to);
    }

    @Test
    void containerRunsAsTheChartsNonRootUserInTheDirectoryTheChartMountsConfigUnder() {
        Element container = child(child(jib, "configuration"), "container");
        PodSecurityContext pod = defaults.deployment().getSpec().getTemplate().getSpec().getSecurityContext();

        assertThat(text(container, "user")).isEqualTo(pod.getRunAsUser() + ":" + pod.getRunAsGroup());
        assertThat(pod.getRunAsUser()).isPositive();
        assertThat(text(container, "workingDirectory")).isEqualTo("/app");
        assertThat(resolve(text(container, "mainClass"))).isEqualTo("io.evbase.server.EvbaseApplication");
        // The image's own default config sits where the chart's ConfigMap mount replaces it.
        assertThat(text(child(child(child(child(jib, "configuration"), "extraDirectories"), "paths"), "path"), "into"))
                .isEqualTo("/app/config");
    }

    @Test
    void exposedPortsAreTheDefaultListenerPortsAndTheManagementPort() {
        Set<Integer> exposed = new HashSet<>();
        for (Element port : children(child(child(child(jib, "configuration"), "container"), "ports"))) {
            exposed.add(Integer.parseInt(port.getTextContent().trim()));
        }
        Set<Integer> expected = new HashSet<>(listenerPorts(defaults.applicationYaml()).values());
        expected.add(RenderedManifests.at(defaults.applicationYaml(), "management.server.port"));

        assertThat(exposed).isEqualTo(expected);
    }

    @Test
    void memoryFlagsAreAnOverridableEnvironmentDefaultNotJvmFlags() {
        Element container = child(child(jib, "configuration"), "container");

        // jvmFlags go on the java command line and would override the chart's JAVA_TOOL_OPTIONS.
        assertThat(child(container, "jvmFlags")).isNull();
        assertThat(text(child(container, "environment"), "JAVA_TOOL_OPTIONS"))
                .contains("-XX:MaxRAMPercentage=").doesNotContain("-Xmx")
                // The JVM's own choice under a small limit is the Serial collector; an OOM must end the process.
                .contains("-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-XX:AutoBoxCacheMax=65536");
    }

    private static String resolve(String value) {
        Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String property = properties.get(m.group(1));
            assertThat(property).as("property %s", m.group(1)).isNotNull();
            m.appendReplacement(out, Matcher.quoteReplacement(resolve(property)));
        }
        return m.appendTail(out).toString();
    }

    private static Element child(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        return children(parent).stream().filter(e -> e.getTagName().equals(name)).findFirst().orElse(null);
    }

    private static String text(Element parent, String name) {
        Element element = child(parent, name);
        assertThat(element).as("<%s> in <%s>", name, parent.getTagName()).isNotNull();
        return element.getTextContent().trim();
    }

    private static List<Element> children(Element parent) {
        List<Element> elements = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE) {
                elements.add((Element) nodes.item(i));
            }
        }
        return elements;
    }
}
