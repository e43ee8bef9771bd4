package dev.tailor.server.serving;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelNamesTest {
    @Test
    void namesAreOnePathSegmentThatCannotLeaveTheModelsFolder() {
        for (String good : List.of("cnn4b", "shop_v2", "A-1", "model.v3", "_x", "x".repeat(128))) {
            assertTrue(ModelNames.isValid(good), good);
        }
        char[] long129 = new char[129];
        Arrays.fill(long129, 'x');
        for (String bad : Arrays.asList(null, "", "..", "a..b", "../etc", "a/b", "a\\b", "/abs", ".hidden", "-x",
                "with space", "tab\t", "nul\0", "é", new String(long129))) {
            assertFalse(ModelNames.isValid(bad), String.valueOf(bad));
        }
    }

    @Test
    void anInvalidNameIsABadRequestThatSaysWhatANameMayHold() {
        ServingException e = assertThrows(ServingException.class, () -> ModelNames.check("../etc/passwd"));
        assertEquals(ErrorKind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("without '..' or path separators"), e.getMessage());
        assertEquals("ok", ModelNames.check("ok"));
    }
}
