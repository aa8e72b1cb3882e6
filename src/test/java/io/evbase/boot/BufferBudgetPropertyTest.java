package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.evbase.buffer.BufferPool;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** {@code evbase.buffers.max-direct-memory}: the pool's budget, derived from the JVM when unset, and described. */
class BufferBudgetPropertyTest {

    @Test
    void theBudgetIsThePropertyOrDerivedFromTheJvm() {
        EvbaseProperties properties = new EvbaseProperties();
        EvbaseAutoConfiguration configuration = new EvbaseAutoConfiguration();
        assertThat(configuration.evbaseBufferPool(properties).budgetBytes()).isEqualTo(BufferPool.defaultBudget());
        properties.getBuffers().setMaxDirectMemory(DataSize.ofMegabytes(96));
        assertThat(configuration.evbaseBufferPool(properties).budgetBytes()).isEqualTo(96L << 20);
    }

    @Test
    void thePropertyHasMetadata() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            for (JsonNode p : new ObjectMapper().readTree(in).get("properties")) {
                if (p.get("name").asText().equals("evbase.buffers.max-direct-memory")) {
                    assertThat(p.get("type").asText()).isEqualTo("org.springframework.util.unit.DataSize");
                    assertThat(p.get("description").asText()).contains("never exceeds");
                    return;
                }
            }
        }
        throw new AssertionError("no metadata for evbase.buffers.max-direct-memory");
    }
}
