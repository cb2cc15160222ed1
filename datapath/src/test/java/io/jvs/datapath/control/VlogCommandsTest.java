package io.jvs.datapath.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import io.jvs.datapath.Log;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VlogCommandsTest {
    @AfterEach
    void restore() {
        Log.setAllLevels(Log.DEFAULT_LEVEL);
    }

    @Test
    void shouldSetOneComponentOrAll() throws CommandException {
        VlogCommands.set(List.of("port", "dbg"));
        assertEquals(Log.Level.DEBUG, Log.levels().get("port"));
        assertEquals(Log.Level.INFO, Log.levels().get("control"));
        assertTrue(Log.enabled("port", Log.Level.DEBUG));
        VlogCommands.set(List.of("off"));
        assertTrue(Log.levels().values().stream().allMatch(l -> l == Log.Level.OFF));
        assertFalse(Log.enabled("port", Log.Level.ERROR));
        assertTrue(VlogCommands.list(List.of()).contains("port         off"), VlogCommands.list(List.of()));
    }

    @Test
    void shouldChangeNothingOnABadLevelOrComponent() {
        Map<String, Log.Level> before = Log.levels();
        assertThrows(CommandException.class, () -> VlogCommands.set(List.of("port", "loud")));
        assertThrows(CommandException.class, () -> VlogCommands.set(List.of("nosuch", "info")));
        assertThrows(CommandException.class, () -> VlogCommands.set(List.of()));
        assertThrows(CommandException.class, () -> VlogCommands.set(List.of("a", "b", "c")));
        assertEquals(before, Log.levels());
    }
}
