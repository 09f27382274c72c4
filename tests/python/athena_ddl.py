"""Parses every Athena DDL file given on the command line with sqlglot's Athena dialect and
checks what sqlglot itself lets through but Athena's Hive DDL parser refuses: an identifier that
is one of Athena's reserved DDL words (column names, struct field names, partition columns)
must be quoted with backticks, and struct field names are always quoted.

Prints one line per problem and exits 1 when there is any; 0 with a count otherwise.
"""

import pathlib
import sys

import sqlglot
from sqlglot import exp

# Athena's reserved keywords in DDL (docs.aws.amazon.com/athena/latest/ug/reserved-words.html).
RESERVED_DDL = set(
    """ALL ALTER AND ARRAY AS AUTHORIZATION BETWEEN BIGINT BINARY BOOLEAN BOTH BY CASE CASHE CAST
    CHAR COLUMN CONF CONSTRAINT COMMIT CREATE CROSS CUBE CURRENT CURRENT_DATE CURRENT_TIMESTAMP
    CURSOR DATABASE DATE DAYOFWEEK DECIMAL DELETE DESCRIBE DISTINCT DIV DOUBLE DROP ELSE END
    EXCHANGE EXISTS EXTENDED EXTERNAL EXTRACT FALSE FETCH FLOAT FLOOR FOLLOWING FOR FOREIGN FROM
    FULL FUNCTION GRANT GROUP GROUPING HAVING IF IMPORT IN INNER INSERT INT INTEGER INTERSECT
    INTERVAL INTO IS JOIN LATERAL LEFT LESS LIKE LOCAL MACRO MAP MORE NONE NOT NULL NUMERIC OF ON
    ONLY OR ORDER OUT OUTER OVER PARTIALSCAN PARTITION PERCENT PRECEDING PRECISION PRESERVE
    PRIMARY PROCEDURE RANGE READS REDUCE REGEXP REFERENCES REVOKE RIGHT RLIKE ROLLBACK ROLLUP ROW
    ROWS SELECT SET SMALLINT START TABLE TABLESAMPLE THEN TIME TIMESTAMP TO TRANSFORM TRIGGER
    TRUE TRUNCATE UNBOUNDED UNION UNIQUEJOIN UPDATE USER USING UTC_TIMESTAMP VALUES VARCHAR VIEWS
    WHEN WHERE WINDOW WITH""".split()
)


def problems_of(path):
    text = pathlib.Path(path).read_text()
    found, tables = [], 0
    for statement in sqlglot.parse(text, read="athena"):
        if not isinstance(statement, exp.Create) or statement.kind != "TABLE":
            continue
        tables += 1
        table = statement.this.this.name if isinstance(statement.this, exp.Schema) else "?"
        for column in statement.find_all(exp.ColumnDef):
            name = column.this
            in_struct = isinstance(column.parent, exp.DataType)
            if isinstance(name, exp.Identifier) and not name.quoted:
                if in_struct:
                    found.append(f"{path}: {table}: struct field {name.name} is not quoted")
                elif name.name.upper() in RESERVED_DDL:
                    found.append(f"{path}: {table}: column {name.name} is a reserved word, unquoted")
    if tables == 0:
        found.append(f"{path}: no CREATE TABLE statement parsed")
    return found, tables


def main():
    all_found, total = [], 0
    for path in sys.argv[1:]:
        found, tables = problems_of(path)
        all_found += found
        total += tables
    for line in all_found:
        print(line)
    if all_found:
        sys.exit(1)
    print(f"{total} tables parsed, every identifier that needs quoting is quoted")


if __name__ == "__main__":
    main()
