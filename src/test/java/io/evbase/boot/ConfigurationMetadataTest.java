package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every property an operator can set has metadata (type, description, default where there is one). */
class ConfigurationMetadataTest {

    @Test
    void everyListenerPropertyOfTheShippedListenersIsDescribed() throws Exception {
        Map<String, JsonNode> byName = new HashMap<>();
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            for (JsonNode p : new ObjectMapper().readTree(in).get("properties")) {
                byName.put(p.get("name").asText(), p);
            }
        }
        assertThat(byName).containsKeys("evbase.workers", "evbase.dispatch", "evbase.stall-threshold",
                "evbase.buffers.chunk-size", "evbase.shutdown.drain-timeout", "evbase.memcache.memory-limit");
        for (String listener : new String[] {"echo", "memcache"}) {
            assertDescribed(byName, "evbase.listeners." + listener + ".", EvbaseProperties.ListenerProperties.class);
        }
        for (JsonNode p : byName.values()) {
            assertThat(p.has("description")).as("description of %s", p.get("name")).isTrue();
        }
    }

    /** Every property of {@code type} under {@code prefix} has metadata; nested groups (ssl) are descended into. */
    private static void assertDescribed(Map<String, JsonNode> byName, String prefix, Class<?> type) throws Exception {
        for (PropertyDescriptor d : Introspector.getBeanInfo(type, Object.class).getPropertyDescriptors()) {
            String kebab = d.getName().replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
            if (d.getWriteMethod() == null && d.getPropertyType().getEnclosingClass() == EvbaseProperties.class) {
                assertDescribed(byName, prefix + kebab + ".", d.getPropertyType());
                continue;
            }
            if (d.getWriteMethod() == null) {
                continue; // derived (isEnabled), not bound
            }
            JsonNode p = byName.get(prefix + kebab);
            assertThat(p).as("metadata for %s%s", prefix, kebab).isNotNull();
            assertThat(p.get("description").asText()).isNotBlank();
            assertThat(p.get("type").asText()).isNotBlank();
        }
    }
}
