package dev.weft;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports the public API package alone; internals stay hidden. */
class ModuleDescriptorTest {
    /**
     * module-info exports dev.weft and its SPI package to everyone, the internals to the test kit
     * alone; it requires java.base, java.management (the TaskTree MBean) and, only statically,
     * jdk.jfr (the events).
     */
    @Test
    void moduleExportsOnlyThePublicPackage() {
        Path classes = Path.of(System.getProperty("user.dir"), "target", "classes");
        ModuleDescriptor d = ModuleFinder.of(classes).findAll().iterator().next().descriptor();
        assertEquals("dev.weft", d.name());
        Set<String> exports = d.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        assertEquals(Set.of("dev.weft", "dev.weft.spi"), exports);
        // The internals are exported to weft's test kit alone (virtual time, the checkpoint hook).
        Set<String> qualified = d.exports().stream().filter(ModuleDescriptor.Exports::isQualified)
                .map(e -> e.source() + " to " + e.targets()).collect(Collectors.toSet());
        assertEquals(Set.of("dev.weft.internal to [dev.weft.test]"), qualified);
        Set<String> requires = d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
        assertEquals(Set.of("java.base", "java.management", "jdk.jfr"), requires);
        assertTrue(d.requires().stream().anyMatch(r -> r.name().equals("jdk.jfr")
                && r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)), "jdk.jfr must stay optional");
        assertTrue(d.requires().stream().noneMatch(r -> !r.name().equals("jdk.jfr")
                && r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)));
        assertTrue(d.packages().contains("dev.weft.internal"));
    }
}
