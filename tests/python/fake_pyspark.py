"""A stand-in for the parts of PySpark and awsglue that bio-lakehouse's Oura normalizer
(`glue/oura_normalizer.py`) and its `bio_etl_utils.forward_fill` use, so that their code runs
unchanged in plain Python: `install()` registers the modules `pyspark`, `pyspark.context`,
`pyspark.sql`, `pyspark.sql.functions`, `pyspark.sql.types`, `awsglue.context`, `awsglue.job`
and `awsglue.utils` in `sys.modules`.

A DataFrame here is a list of rows with a Spark type per column. Only what their code calls
exists, with Spark 3.3's semantics (Glue 4.0, ANSI mode off):

- `F.col(c).cast("integer")` of a string: `UTF8String.toInt` (whitespace and ISO control
  characters trimmed, a sign, digits, an optional `.` followed by digits that are dropped;
  null for anything else or outside 32 bits);
- `cast("double")` of a string: Java's `Double.parseDouble` (decimal forms, `NaN`,
  `Infinity`, a `d`/`f` suffix), else Spark's `inf`/`infinity`/`nan` literals, else null;
- `F.substring(c, pos, len)` (1-based), `rlike` (Java `find`, as `re.search`), `F.lit`;
- `F.last(c, ignorenulls=True).over(Window.orderBy(o).rowsBetween(unboundedPreceding,
  currentRow))`: the last non-null value in `o` order up to the row (nulls sort first);
- `unionByName`, `dropDuplicates` (the first row of each key, in row order: Spark keeps an
  arbitrary one, and the keys here are unique), `select`, `filter`, `withColumn` (a replaced
  column keeps its place), `rdd.isEmpty()`, `count()`;
- `df.write.mode("overwrite").partitionBy(...).parquet(path)`: hands the frame to the
  `on_write(path, partition_columns, frame)` callback given to `install()`.
"""

import re
import sys
import types as pytypes

UNBOUNDED_PRECEDING = -(1 << 63)
CURRENT_ROW = 0


# ---------------------------------------------------------------- casts (Spark 3.3, ANSI off)


def _trim_spark(b):
    return b <= 0x20 or b == 0x7F


def cast_integer(s):
    """UTF8String.toInt(IntWrapper) with allowDecimal = true."""
    if s is None:
        return None
    data = s.encode("utf-8")
    start, end = 0, len(data) - 1
    while start < len(data) and _trim_spark(data[start]):
        start += 1
    if start == len(data):
        return None
    while end > start and _trim_spark(data[end]):
        end -= 1
    offset = start
    negative = data[offset] == ord("-")
    if negative or data[offset] == ord("+"):
        if end - offset == 0:
            return None
        offset += 1
    # Integer.MIN_VALUE / 10 in Java (rounds toward zero).
    stop_value = -((2**31) // 10)
    result = 0
    while offset <= end:
        b = data[offset]
        offset += 1
        if b == ord("."):
            break
        if not (ord("0") <= b <= ord("9")):
            return None
        if result < stop_value:
            return None
        result = result * 10 - (b - ord("0"))
        if result < -(2**31):  # Java's int wraps here, and its `result > 0` check catches it
            return None
    while offset <= end:
        if not (ord("0") <= data[offset] <= ord("9")):
            return None
        offset += 1
    if not negative:
        result = -result
        if result < 0 or result > 2**31 - 1:
            return None
    return result


_JAVA_DECIMAL = re.compile(r"[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)")


def cast_double(s):
    """Cast.castToDouble of a string: Double.parseDouble, then the special literals."""
    if s is None:
        return None
    java = s.strip(" \t\n\r\x0b\x0c\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12"
                   "\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f")
    if _JAVA_DECIMAL.fullmatch(java):
        text = java.rstrip("fFdD") if not java.endswith(("NaN", "Infinity")) else java
        return float(text.replace("Infinity", "inf").replace("NaN", "nan"))
    special = s.strip().lower()
    if special in ("inf", "+inf", "infinity", "+infinity"):
        return float("inf")
    if special in ("-inf", "-infinity"):
        return float("-inf")
    if special == "nan":
        return float("nan")
    return None


# ---------------------------------------------------------------- types


class DataType:
    name = "?"

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return self.name


class StringType(DataType):
    name = "string"


class IntegerType(DataType):
    name = "integer"


class DoubleType(DataType):
    name = "double"


class TimestampType(DataType):
    name = "timestamp"


class NullType(DataType):
    name = "void"


class StructField:
    def __init__(self, name, data_type, nullable=True):
        self.name, self.dataType, self.nullable = name, data_type, nullable


class StructType:
    def __init__(self, fields=None):
        self.fields = list(fields or [])


_BY_NAME = {"string": StringType, "integer": IntegerType, "int": IntegerType, "double": DoubleType}


# ---------------------------------------------------------------- expressions


class Column:
    """An expression evaluated over a whole frame: `eval(frame)` gives (values, type)."""

    def __init__(self, evaluate):
        self._eval = evaluate

    def eval(self, frame):
        return self._eval(frame)

    def cast(self, to):
        target = _BY_NAME[to]()

        def evaluate(frame):
            values, source = self.eval(frame)
            if isinstance(source, (NullType, type(target))):
                return values, target
            if not isinstance(source, StringType):
                raise NotImplementedError(f"cast from {source} to {target}")
            if isinstance(target, IntegerType):
                return [cast_integer(v) for v in values], target
            if isinstance(target, DoubleType):
                return [cast_double(v) for v in values], target
            return values, target

        return Column(evaluate)

    def rlike(self, pattern):
        regex = re.compile(pattern)

        def evaluate(frame):
            values, _ = self.eval(frame)
            return [None if v is None else bool(regex.search(v)) for v in values], None

        return Column(evaluate)

    def over(self, window):
        inner = self

        def evaluate(frame):
            return inner._window(frame, window)

        return Column(evaluate)


class _Last(Column):
    def __init__(self, column, ignorenulls):
        super().__init__(None)
        self.column, self.ignorenulls = column, ignorenulls

    def eval(self, frame):
        raise NotImplementedError("last() needs a window")

    def _window(self, frame, window):
        assert window.frame == (UNBOUNDED_PRECEDING, CURRENT_ROW), window.frame
        values, data_type = self.column.eval(frame)
        order_values = [frame.rows[i][frame.columns.index(window.order)] for i in range(len(frame.rows))]
        parts = [frame.rows[i][frame.columns.index(window.partition)] if window.partition else None
                 for i in range(len(frame.rows))]
        # Ascending, nulls first; a stable sort keeps ties in row order.
        order = sorted(range(len(values)), key=lambda i: (order_values[i] is not None, order_values[i] or ""))
        out = [None] * len(values)
        last = {}
        for i in order:
            v = values[i]
            if v is not None or not self.ignorenulls:
                last[parts[i]] = v
            out[i] = last.get(parts[i])
        frame.rows = [frame.rows[i] for i in order]
        return [out[i] for i in order], data_type


def _col(name):
    if isinstance(name, Column):
        return name

    def evaluate(frame):
        i = frame.columns.index(name)
        return [row[i] for row in frame.rows], frame.types[i]

    return Column(evaluate)


def _lit(value):
    if value is not None:
        raise NotImplementedError("only lit(None) is used")
    return Column(lambda frame: ([None] * len(frame.rows), NullType()))


def _substring(name, pos, length):
    def evaluate(frame):
        values, _ = _col(name).eval(frame)
        start = pos - 1 if pos > 0 else 0
        return [None if v is None else v[start:start + length] for v in values], StringType()

    return Column(evaluate)


def _last(column, ignorenulls=False):
    return _Last(_col(column), ignorenulls)


class WindowSpec:
    def __init__(self, partition=None, order=None, frame=None):
        self.partition, self.order, self.frame = partition, order, frame

    def orderBy(self, column):
        return WindowSpec(self.partition, column, self.frame)

    def rowsBetween(self, start, end):
        return WindowSpec(self.partition, self.order, (start, end))


class Window:
    unboundedPreceding = UNBOUNDED_PRECEDING
    currentRow = CURRENT_ROW

    @staticmethod
    def orderBy(column):
        return WindowSpec(order=column)

    @staticmethod
    def partitionBy(column):
        return WindowSpec(partition=column)


# ---------------------------------------------------------------- frames


class _Rdd:
    def __init__(self, frame):
        self.frame = frame

    def isEmpty(self):
        return not self.frame.rows


class DataFrame:
    def __init__(self, columns, types, rows, on_write):
        self.columns, self.types, self.rows, self._on_write = list(columns), list(types), list(rows), on_write

    def _copy(self, columns=None, types=None, rows=None):
        return DataFrame(self.columns if columns is None else columns,
                         self.types if types is None else types,
                         self.rows if rows is None else rows, self._on_write)

    @property
    def rdd(self):
        return _Rdd(self)

    def count(self):
        return len(self.rows)

    def filter(self, condition):
        values, _ = condition.eval(self)
        return self._copy(rows=[r for r, keep in zip(self.rows, values) if keep])

    def withColumn(self, name, column):
        frame = self._copy()
        values, data_type = column.eval(frame)
        if name in frame.columns:
            i = frame.columns.index(name)
            frame.rows = [r[:i] + (v,) + r[i + 1:] for r, v in zip(frame.rows, values)]
            frame.types = frame.types[:i] + [data_type] + frame.types[i + 1:]
        else:
            frame.rows = [r + (v,) for r, v in zip(frame.rows, values)]
            frame.columns = frame.columns + [name]
            frame.types = frame.types + [data_type]
        return frame

    def select(self, columns):
        idx = [self.columns.index(c) for c in columns]
        return self._copy(columns=list(columns), types=[self.types[i] for i in idx],
                          rows=[tuple(r[i] for i in idx) for r in self.rows])

    def unionByName(self, other, allowMissingColumns=False):
        rows = list(self.rows)
        for r in other.rows:
            rows.append(tuple(r[other.columns.index(c)] if c in other.columns else None for c in self.columns))
        return self._copy(rows=rows)

    def dropDuplicates(self, subset):
        idx = [self.columns.index(c) for c in subset]
        seen, rows = set(), []
        for r in self.rows:
            key = tuple(r[i] for i in idx)
            if key not in seen:
                seen.add(key)
                rows.append(r)
        return self._copy(rows=rows)

    @property
    def write(self):
        frame = self

        class Writer:
            def mode(self, _mode):
                return self

            def partitionBy(self, *columns):
                self.partition_columns = list(columns)
                return self

            def parquet(self, path):
                frame._on_write(path, self.partition_columns, frame)

        return Writer()


class _Conf:
    def set(self, key, value):
        pass


class SparkSession:
    def __init__(self, on_write):
        self.conf = _Conf()
        self._on_write = on_write

    def createDataFrame(self, data, schema):
        return DataFrame([f.name for f in schema.fields], [f.dataType for f in schema.fields],
                         [tuple(r) for r in data], self._on_write)


def install(on_write):
    """Registers the stand-in modules; `on_write(path, partition_columns, frame)` receives each
    table their job writes."""
    session = SparkSession(on_write)

    def module(name, **attrs):
        m = pytypes.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    class SparkContext:
        pass

    class GlueContext:
        def __init__(self, _sc):
            self.spark_session = session

    class Job:
        def __init__(self, _glue):
            pass

        def init(self, *_args):
            pass

        def commit(self):
            pass

    def get_resolved_options(argv, names):
        out = {}
        for name in names:
            out[name] = argv[argv.index(f"--{name}") + 1]
        return out

    functions = module("pyspark.sql.functions", col=_col, lit=_lit, substring=_substring, last=_last)
    sql_types = module("pyspark.sql.types", StringType=StringType, IntegerType=IntegerType,
                       DoubleType=DoubleType, TimestampType=TimestampType, StructField=StructField,
                       StructType=StructType)
    sql = module("pyspark.sql", DataFrame=DataFrame, Window=Window, functions=functions, types=sql_types)
    module("pyspark", sql=sql)
    module("pyspark.context", SparkContext=SparkContext)
    module("awsglue")
    module("awsglue.context", GlueContext=GlueContext)
    module("awsglue.job", Job=Job)
    module("awsglue.utils", getResolvedOptions=get_resolved_options)
