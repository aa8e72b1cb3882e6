package io.evbase.helm;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.comments.CommentLine;
import org.yaml.snakeyaml.comments.CommentType;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The chart's values as helm-docs reads them: a {@code # -- description} comment (continued by the {@code #} lines
 * under it, with nothing between it and the key) documents the key below it; {@code # -- (type) description}
 * overrides the type shown. A documented map whose own keys carry no documentation is one row, its whole value
 * the default; a documented map whose keys are documented is a section heading for them. Renders the Markdown
 * table of {@code helm/evbase/README.md}. Stateless; thread-safe.
 */
final class ChartValuesDoc {

    /** One documented key: its dotted path, type, default (JSON), description, and whether it heads a section. */
    record Row(String key, String type, String defaultJson, String description, boolean section) {
    }

    private ChartValuesDoc() {
    }

    /** The rows, in the order of values.yaml. */
    static List<Row> rows(String valuesYaml) {
        LoaderOptions options = new LoaderOptions();
        options.setProcessComments(true);
        Node root = new Yaml(options).compose(new StringReader(valuesYaml));
        Map<String, Object> values = new Yaml().load(valuesYaml);
        List<Row> rows = new ArrayList<>();
        collect("", (MappingNode) root, values, rows);
        return rows;
    }

    /**
     * Keys with a value (a scalar, a list, an empty map) that no row shows: neither documented themselves nor
     * inside a documented map shown whole.
     */
    static List<String> undocumented(String valuesYaml) {
        LoaderOptions options = new LoaderOptions();
        options.setProcessComments(true);
        Node root = new Yaml(options).compose(new StringReader(valuesYaml));
        List<String> missing = new ArrayList<>();
        findUndocumented("", (MappingNode) root, missing);
        return missing;
    }

    /** The Markdown table, helm-docs' columns. */
    static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder("| Key | Type | Default | Description |\n|-----|------|---------|-------------|\n");
        for (Row row : rows) {
            String key = row.section() ? "**" + row.key() + "**" : row.key();
            String value = row.section() ? "" : "`" + row.defaultJson() + "`";
            out.append("| ").append(cell(key)).append(" | ").append(row.type()).append(" | ")
                    .append(cell(value)).append(" | ").append(cell(html(row.description()))).append(" |\n");
        }
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static void collect(String prefix, MappingNode mapping, Map<String, Object> values, List<Row> rows) {
        for (NodeTuple tuple : mapping.getValue()) {
            String name = ((ScalarNode) tuple.getKeyNode()).getValue();
            String key = prefix + name;
            Node value = tuple.getValueNode();
            Object loaded = values.get(name);
            String doc = documentation(tuple.getKeyNode());
            boolean nested = value instanceof MappingNode m && hasDocumentedKeys(m);
            if (doc != null) {
                String type = typeOf(value);
                if (doc.startsWith("(") && doc.indexOf(')') > 0) {
                    type = doc.substring(1, doc.indexOf(')'));
                    doc = doc.substring(doc.indexOf(')') + 1).strip();
                }
                rows.add(new Row(key, type, json(loaded), doc, nested));
            }
            if (nested) {
                collect(key + ".", (MappingNode) value, (Map<String, Object>) loaded, rows);
            }
        }
    }

    private static void findUndocumented(String prefix, MappingNode mapping, List<String> missing) {
        for (NodeTuple tuple : mapping.getValue()) {
            String key = prefix + ((ScalarNode) tuple.getKeyNode()).getValue();
            Node value = tuple.getValueNode();
            boolean documented = documentation(tuple.getKeyNode()) != null;
            if (value instanceof MappingNode m && !m.getValue().isEmpty()) {
                if (!documented || hasDocumentedKeys(m)) {
                    findUndocumented(key + ".", m, missing);
                }
            } else if (!documented) {
                missing.add(key);
            }
        }
    }

    private static boolean hasDocumentedKeys(MappingNode mapping) {
        for (NodeTuple tuple : mapping.getValue()) {
            if (documentation(tuple.getKeyNode()) != null
                    || tuple.getValueNode() instanceof MappingNode m && hasDocumentedKeys(m)) {
                return true;
            }
        }
        return false;
    }

    /** The {@code # --} block right above a key, joined into one line; null if there is none. */
    private static String documentation(Node key) {
        List<CommentLine> comments = key.getBlockComments();
        if (comments == null) {
            return null;
        }
        int start = -1;
        for (int i = 0; i < comments.size(); i++) {
            CommentLine line = comments.get(i);
            if (line.getCommentType() == CommentType.BLANK_LINE) {
                start = -1;
            } else if (line.getValue().strip().startsWith("-- ")) {
                start = i;
            }
        }
        if (start < 0) {
            return null;
        }
        return comments.subList(start, comments.size()).stream().map(c -> c.getValue().strip())
                .collect(Collectors.joining(" ")).substring(3).strip();
    }

    private static String typeOf(Node node) {
        if (node instanceof MappingNode) {
            return "object";
        }
        if (node instanceof SequenceNode) {
            return "list";
        }
        Tag tag = node.getTag();
        if (tag.equals(Tag.INT)) {
            return "int";
        }
        if (tag.equals(Tag.FLOAT)) {
            return "float";
        }
        if (tag.equals(Tag.BOOL)) {
            return "bool";
        }
        return "string";
    }

    /** Compact JSON of a loaded YAML value (maps, lists, strings, numbers, booleans, null). */
    @SuppressWarnings("unchecked")
    static String json(Object value) {
        if (value instanceof Map<?, ?> map) {
            return ((Map<String, Object>) map).entrySet().stream()
                    .map(e -> json(e.getKey()) + ":" + json(e.getValue()))
                    .collect(Collectors.joining(",", "{", "}"));
        }
        if (value instanceof List<?> list) {
            return list.stream().map(ChartValuesDoc::json).collect(Collectors.joining(",", "[", "]"));
        }
        if (value instanceof String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        return String.valueOf(value);
    }

    /** Outside code spans Markdown would take {@code <gc>} for an HTML tag. */
    private static String html(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
