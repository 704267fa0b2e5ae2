package io.xbow.control.service;

import java.util.List;

/**
 * Rows of a show command, every value a string as dladm prints it (empty for "none", printed {@code --}).
 *
 * @param columns the field names, upper case, in dladm's default order.
 * @param rows    one list of values per row, in column order.
 */
public record Table(List<String> columns, List<List<String>> rows)
{
}
