"""Checks oura-sync's bio-lakehouse tables against bio-lakehouse's own code, read at run time
from ../shared/bio-lakehouse (never copied):

1. Their Glue job `glue/oura_normalizer.py` runs unchanged over the bronze bucket in moto
   (boto3 aimed at it by AWS_ENDPOINT_URL), with PySpark and awsglue replaced by the stand-in
   of `fake_pyspark.py` (plain Python implementing Spark 3.3's semantics for exactly the
   operations and casts it uses); each table it writes is caught and saved as Parquet with
   Spark's types, partitioned by year= and month= as Spark partitions it ("theirs").
2. oura-sync's tables are downloaded from the silver bucket ("ours"), and compared with
   theirs: the same columns in the same order with the same types, the same rows value for
   value, each partition holding one file whose rows all belong to its month.
3. The Athena DDL (scripts/athena/bio_silver_tables.sql) is parsed with sqlglot and must give
   each table the schema Glue's crawler infers from their files (string, int, double, and the
   partition keys year and month as strings).
4. Their dbt staging models and the Oura part of gold_daily_rollup (rendered with Jinja,
   source()/ref() replaced by the tables; Jinja2 comes with moto), Athena SQL transpiled to
   DuckDB by sqlglot, give the same rows over ours as over theirs.

Usage: python bio_silver.py CONFIG_JSON; prints a JSON summary. CONFIG_JSON has bronze_bucket,
silver_bucket, silver_prefix, shared (the bio-lakehouse folder), ddl, work (a scratch folder).
"""

import contextlib
import json
import math
import os
import runpy
import sys

import boto3
import duckdb
import jinja2
import sqlglot
from sqlglot import exp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_pyspark  # noqa: E402

TABLES = ["oura_daily_readiness", "oura_daily_sleep", "oura_daily_activity"]
DUCK = {"string": "VARCHAR", "integer": "INTEGER", "double": "DOUBLE"}
# What Glue's crawler calls the Parquet types Spark writes for these Spark types.
CRAWLER = {"string": "string", "integer": "int", "double": "double"}


def run_their_job(config):
    """Runs their normalizer; returns table -> (columns, spark types, rows, partition columns)."""
    written = {}

    def on_write(path, partition_columns, frame):
        table = path.rstrip("/").rsplit("/", 1)[1]
        written[table] = (frame.columns, [t.name for t in frame.types], frame.rows, partition_columns)

    fake_pyspark.install(on_write)
    glue = os.path.join(config["shared"], "glue")
    sys.path.insert(0, glue)
    saved = sys.argv
    sys.argv = ["oura_normalizer.py", "--JOB_NAME", "oura-normalizer", "--bronze_bucket",
                config["bronze_bucket"], "--silver_bucket", "theirs-not-written"]
    try:
        # Their job prints its progress; stdout is this script's JSON summary.
        with contextlib.redirect_stdout(sys.stderr):
            runpy.run_path(os.path.join(glue, "oura_normalizer.py"), run_name="__main__")
    finally:
        sys.argv = saved
    return written


def save_theirs(written, root):
    """Writes each table their job wrote as Spark would: Parquet under year=/month=."""
    con = duckdb.connect()
    for table, (columns, types, rows, partitions) in written.items():
        cols = ", ".join(f'"{c}" {DUCK.get(t, "VARCHAR")}' for c, t in zip(columns, types))
        con.execute(f'CREATE TABLE "{table}" ({cols})')
        if rows:
            marks = ", ".join("?" for _ in columns)
            con.executemany(f'INSERT INTO "{table}" VALUES ({marks})', [list(r) for r in rows])
        target = os.path.join(root, table)
        os.makedirs(root, exist_ok=True)
        con.execute(f"COPY \"{table}\" TO '{target}' (FORMAT parquet, PARTITION_BY ({', '.join(partitions)}))")
    con.close()


def download_ours(config, root):
    """Downloads oura-sync's three tables from the silver bucket; returns their keys."""
    s3 = boto3.client("s3")
    prefix = config["silver_prefix"].strip("/")
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=config["silver_bucket"],
                                                            Prefix=f"{prefix}/" if prefix else ""):
        for obj in page.get("Contents", []):
            key = obj["Key"][len(prefix) + 1:] if prefix else obj["Key"]
            if key.split("/", 1)[0] in TABLES:
                path = os.path.join(root, key)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                s3.download_file(config["silver_bucket"], obj["Key"], path)
                keys.append(key)
    return sorted(keys)


def same_value(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return a == b and type(a) is type(b)


def compare_tables(written, ours_root, keys):
    problems, summary = [], {}
    con = duckdb.connect()
    for table in TABLES:
        if table not in written:
            problems.append(f"{table}: their job wrote nothing")
            continue
        columns, types, rows, partitions = written[table]
        data_columns = [c for c in columns if c not in partitions]
        data_types = [t for c, t in zip(columns, types) if c not in partitions]
        files = [k for k in keys if k.startswith(table + "/")]
        if not files:
            problems.append(f"{table}: oura-sync wrote no file")
            continue
        # One file per partition, every row in its partition's month.
        folders = [k.rsplit("/", 1)[0] for k in files]
        if len(set(folders)) != len(folders):
            problems.append(f"{table}: a partition holds more than one file: {files}")
        for key in files:
            _, year, month, _ = key.split("/")
            bad = con.execute(
                f"SELECT count(*) FROM read_parquet('{os.path.join(ours_root, key)}') "
                f"WHERE substr(day, 1, 4) <> ? OR substr(day, 6, 2) <> ?",
                [year.split("=")[1], month.split("=")[1]]).fetchone()[0]
            if bad:
                problems.append(f"{key}: {bad} rows of another month")
        glob = os.path.join(ours_root, table, "**", "*.parquet")
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}', hive_partitioning = false)").fetchall()
        ours_schema = [(r[0], r[1]) for r in described]
        their_schema = [(c, DUCK[t]) for c, t in zip(data_columns, data_types)]
        if ours_schema != their_schema:
            problems.append(f"{table}: columns differ: ours {ours_schema}, theirs {their_schema}")
        ours_rows = con.execute(f"SELECT * FROM read_parquet('{glob}', hive_partitioning = false) ORDER BY id").fetchall()
        idx = [columns.index(c) for c in data_columns]
        their_rows = sorted((tuple(r[i] for i in idx) for r in rows), key=lambda r: r[0])
        if len(ours_rows) != len(their_rows):
            problems.append(f"{table}: {len(ours_rows)} rows, theirs {len(their_rows)}")
        for o, t in zip(ours_rows, their_rows):
            for c, a, b in zip(data_columns, o, t):
                if not same_value(a, b):
                    problems.append(f"{table} id {t[0]} column {c}: ours {a!r}, theirs {b!r}")
        summary[table] = {"rows": len(ours_rows), "files": len(files),
                          "columns": [f"{c}:{t}" for c, t in ours_schema]}
    con.close()
    return problems, summary


def check_ddl(written, ddl_path):
    """The DDL's columns and partitions against the crawler's inference from their files."""
    problems = []
    text = open(ddl_path).read()
    tables = {}
    for statement in sqlglot.parse(text, read="athena"):
        if isinstance(statement, exp.Create) and statement.kind == "TABLE":
            schema = statement.this
            name = schema.this.name
            cols = [(c.name, c.args["kind"].sql(dialect="hive").lower()) for c in schema.expressions]
            parts = []
            props = statement.args.get("properties")
            for prop in (props.expressions if props else []):
                if isinstance(prop, exp.PartitionedByProperty):
                    parts = [(c.name, c.args["kind"].sql(dialect="hive").lower()) for c in prop.this.expressions]
            tables[name] = (cols, parts)
    for table in TABLES:
        columns, types, _, partitions = written[table]
        crawled = [(c, CRAWLER[t]) for c, t in zip(columns, types) if c not in partitions]
        crawled_parts = [(p, "string") for p in partitions]
        if table not in tables:
            problems.append(f"the DDL has no table {table}")
        elif tables[table] != (crawled, crawled_parts):
            problems.append(f"{table}: DDL {tables[table]} but the crawler infers {(crawled, crawled_parts)}")
    return problems


def render(path):
    env = jinja2.Environment()
    template = env.from_string(open(path).read())
    return template.render(source=lambda _schema, table: table, ref=lambda model: model,
                           config=lambda **_: "", var=lambda name: name)


def oura_part_of_gold(sql):
    """gold_daily_rollup reduced to what reads the Oura tables: its readiness, sleep and
    activity CTEs, their joins and columns, and the derived columns computed from them alone."""
    tree = sqlglot.parse_one(sql, read="athena")
    oura = {"readiness", "sleep", "activity"}
    with_ = tree.args["with"]
    kept = []
    aliases = set()
    produced = set()
    for cte in with_.expressions:
        name = cte.alias_or_name
        if name in oura:
            kept.append(cte)
            produced.add(name)
        elif name == "joined":
            select = cte.this
            joins = []
            for source in [select.args["from"].this] + [j.this for j in select.args.get("joins") or []]:
                if source.name in oura:
                    aliases.add(source.alias_or_name)
            for join in select.args.get("joins") or []:
                if join.this.alias_or_name in aliases:
                    joins.append(join)
            select.set("joins", joins)

            def keep_oura(node):
                if isinstance(node, exp.Coalesce):
                    args = [a for a in [node.this] + list(node.expressions)
                            if all(c.table in aliases for c in a.find_all(exp.Column))]
                    return exp.Coalesce(this=args[0], expressions=args[1:]) if len(args) > 1 else args[0]
                return node

            projections = []
            for projection in select.expressions:
                projection = projection.transform(keep_oura)
                if all(c.table in aliases for c in projection.find_all(exp.Column)):
                    projections.append(projection)
            for join in joins:
                join.set("on", join.args["on"].transform(keep_oura))
            select.set("expressions", projections)
            joined_columns = {p.alias_or_name for p in projections}
            kept.append(cte)
        elif name == "with_derived":
            select = cte.this
            projections = [p for p in select.expressions
                           if isinstance(p, exp.Star)
                           or all(c.name in joined_columns for c in p.find_all(exp.Column))]
            select.set("expressions", projections)
            kept.append(cte)
    with_.set("expressions", kept)
    return tree


def dbt_compare(config, ours_root, theirs_root):
    models = os.path.join(config["shared"], "dbt_bio_lakehouse", "models")
    staging = {m: sqlglot.transpile(render(os.path.join(models, "staging", f"{m}.sql")),
                                    read="athena", write="duckdb")[0]
               for m in ["stg_readiness", "stg_sleep"]}
    gold = oura_part_of_gold(render(os.path.join(models, "gold", "gold_daily_rollup.sql"))).sql(dialect="duckdb")
    queries = {"stg_readiness": "SELECT * FROM stg_readiness", "stg_sleep": "SELECT * FROM stg_sleep",
               "gold_daily_rollup (Oura part)": gold}
    results = {}
    for side, root in [("ours", ours_root), ("theirs", theirs_root)]:
        con = duckdb.connect()
        for table in TABLES:
            glob = os.path.join(root, table, "**", "*.parquet")
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{glob}', "
                        f"hive_partitioning = true, hive_types_autocast = false)")
        for name, sql in staging.items():
            con.execute(f"CREATE VIEW {name} AS {sql}")
        results[side] = {}
        for name, sql in queries.items():
            cursor = con.execute(sql)
            columns = [d[0] for d in cursor.description]
            rows = sorted(cursor.fetchall(), key=lambda r: tuple("" if v is None else str(v) for v in r))
            results[side][name] = (columns, rows)
        con.close()
    problems, counts = [], {}
    for name in queries:
        ours, theirs = results["ours"][name], results["theirs"][name]
        if ours != theirs:
            problems.append(f"{name}: ours {ours[0]} {ours[1][:3]}… theirs {theirs[0]} {theirs[1][:3]}…")
        counts[name] = {"rows": len(ours[1]), "columns": ours[0]}
    return problems, counts, gold


def main():
    config = json.load(open(sys.argv[1]))
    written = run_their_job(config)
    theirs_root = os.path.join(config["work"], "theirs")
    ours_root = os.path.join(config["work"], "ours")
    save_theirs(written, theirs_root)
    keys = download_ours(config, ours_root)
    problems, tables = compare_tables(written, ours_root, keys)
    problems += check_ddl(written, config["ddl"])
    dbt_problems, dbt, gold = dbt_compare(config, ours_root, theirs_root)
    print(json.dumps({"problems": problems + dbt_problems, "tables": tables, "dbt": dbt,
                      "keys": keys, "gold_sql": gold}, default=str))


if __name__ == "__main__":
    main()
