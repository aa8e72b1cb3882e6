package io.evbase;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/**
 * The application the library's {@code @SpringBootTest}s name ({@code classes = EvbaseTestApplication.class}): it
 * only enables auto-configuration, as a library user's does, and scans nothing. Tests of the deployable name
 * {@link io.evbase.server.EvbaseApplication}. (Named, not found: a search from {@code io.evbase} would meet both.)
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class EvbaseTestApplication {
}
