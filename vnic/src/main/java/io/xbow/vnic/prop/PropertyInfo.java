package io.xbow.vnic.prop;

/**
 * One row of {@code dladm show-linkprop}: LINK PROPERTY PERM VALUE DEFAULT POSSIBLE, each as dladm prints it
 * ({@code --} for none).
 */
public record PropertyInfo(String link, String property, String perm, String value, String defaultValue,
    String possible)
{
}
