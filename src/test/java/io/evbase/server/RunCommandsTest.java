package io.evbase.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Every documented way of running the server exits after an {@code OutOfMemoryError}: the README's
 * {@code java -jar} lines and {@code ./mvnw spring-boot:run} (the plugin's JVM arguments). A JVM that stays up
 * after one serves nothing and ignores SIGTERM.
 */
class RunCommandsTest {

    private static final String FLAG = "-XX:+ExitOnOutOfMemoryError";

    @Test
    void everyJavaJarLineOfTheDocsExitsOnOutOfMemory() throws Exception {
        Pattern javaJar = Pattern.compile("\\bjava\\b[^`|]*-jar\\s+\\S*evbase\\.jar");
        List<Path> docs = new java.util.ArrayList<>(List.of(Path.of("README.md")));
        if (Files.isDirectory(Path.of("docs"))) {
            try (var files = Files.walk(Path.of("docs"))) {
                files.filter(f -> f.toString().endsWith(".md")).forEach(docs::add);
            }
        }
        int seen = 0;
        for (Path doc : docs) {
            for (String line : Files.readAllLines(doc)) {
                var m = javaJar.matcher(line);
                while (m.find()) {
                    seen++;
                    assertThat(m.group()).as("%s: %s", doc, line).contains(FLAG);
                }
            }
        }
        assertThat(seen).as("java -jar lines in the README").isPositive();
    }

    @Test
    void springBootRunPassesTheFlag() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document pom = factory.newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        NodeList plugins = pom.getElementsByTagName("plugin");
        String jvmArguments = null;
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if (plugin.getElementsByTagName("artifactId").item(0).getTextContent().trim()
                    .equals("spring-boot-maven-plugin") && plugin.getParentNode().getParentNode().getNodeName().equals("build")) {
                jvmArguments = plugin.getElementsByTagName("jvmArguments").item(0).getTextContent();
            }
        }
        assertThat(jvmArguments).contains(FLAG);
    }
}
