package io.evbase;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/**
 * What a {@code @SpringBootTest} under {@code io.evbase} boots when it names no class: an application that only
 * enables auto-configuration, as a library user's does, and scans nothing. Tests of the deployable name
 * {@link io.evbase.server.EvbaseApplication}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class EvbaseTestApplication {
}
