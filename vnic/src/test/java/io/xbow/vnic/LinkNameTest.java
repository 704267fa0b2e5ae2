package io.xbow.vnic;

import io.xbow.vnic.link.LinkName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

class LinkNameTest
{
    @ParameterizedTest
    @ValueSource(strings = {"net0", "vnic1", "stub0", "xvm3_0", "e1000g0", "bge2001", "a0", "A_b_C9",
        "abcdefghijklmnopqrstuvwxyz1234", "net4294967294"})
    void shouldAcceptNamesDladmAccepts(final String name)
    {
        assertEquals(name, LinkName.validate(name));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "vnic        | must end with a number",
        "0vnic0      | must start with a letter",
        "_vnic0      | must start with a letter",
        "vnic-0      | only letters, digits and '_' are allowed",
        "vnic.0      | only letters, digits and '_' are allowed",
        "net01       | the number at its end must not have leading zeros",
        "net4294967295 | the number at its end must be at most 4294967294",
        "abcdefghijklmnopqrstuvwxyz123456 | longer than 31 characters",
    })
    void shouldRefuseNamesDladmRefusesSayingWhy(final String name, final String why)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> LinkName.validate(name));
        assertEquals("invalid link name '" + name + "': " + why, ex.getMessage());
    }
}
