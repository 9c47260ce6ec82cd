"""Attributes the AWS provider computes from arguments alone (an ARN from a name, an id).

The account, region and partition are apply-time values: they stay
``Unknown("data.aws_caller_identity.current.account_id")`` and friends unless the caller assumes
them. Anything not derivable (a function's ``version`` when published, an object's ``etag``) is left
out, so reading it gives an Unknown naming the resource and attribute.
"""

from __future__ import annotations

from typing import Any

from lakectl.stack.values import Template, Unknown

ACCOUNT = "data.aws_caller_identity.current.account_id"
PARTITION = "data.aws_partition.current.partition"
REGION = "data.aws_region.current.region"

S3_SUBRESOURCES = (
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_notification",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_logging",
    "aws_s3_bucket_cors_configuration",
    "aws_s3_bucket_acl",
    "aws_s3_bucket_object_lock_configuration",
    "aws_s3_bucket_intelligent_tiering_configuration",
    "aws_s3_bucket_website_configuration",
)


def apply_time(assume: dict[str, str]) -> tuple[Any, Any, Any]:
    """``(partition, region, account)``: assumed strings or apply-time Unknowns."""
    return (
        assume.get("partition", Unknown(PARTITION)),
        assume.get("region", Unknown(REGION)),
        assume.get("account_id", Unknown(ACCOUNT)),
    )


def _t(*parts: Any) -> Any:
    return Template.of(parts)


def _str(v: Any) -> bool:
    return isinstance(v, str | Template | Unknown)


def derive(type_: str, values: dict[str, Any], assume: dict[str, str]) -> dict[str, Any]:
    """Known computed attributes of a managed resource of ``type_`` with arguments ``values``."""
    p, r, a = apply_time(assume)
    v = values
    out: dict[str, Any] = {}
    name = v.get("name")
    if type_ == "aws_s3_bucket" and _str(v.get("bucket")):
        b = v["bucket"]
        out.update(
            id=b,
            arn=_t("arn:", p, ":s3:::", b),
            bucket_domain_name=_t(b, ".s3.amazonaws.com"),
            bucket_regional_domain_name=_t(b, ".s3.", r, ".amazonaws.com"),
            region=r,
        )
    elif type_ in S3_SUBRESOURCES and _str(v.get("bucket")):
        out["id"] = v["bucket"]
    elif type_ == "aws_s3_object" and _str(v.get("key")) and _str(v.get("bucket")):
        out.update(id=v["key"], arn=_t("arn:", p, ":s3:::", v["bucket"], "/", v["key"]))
    elif type_ == "aws_iam_role" and _str(name):
        out.update(id=name, arn=_t("arn:", p, ":iam::", a, ":role", v.get("path") or "/", name))
    elif type_ == "aws_iam_policy" and _str(name):
        arn = _t("arn:", p, ":iam::", a, ":policy", v.get("path") or "/", name)
        out.update(id=arn, arn=arn)
    elif type_ == "aws_iam_role_policy" and _str(name) and _str(v.get("role")):
        out["id"] = _t(v["role"], ":", name)
    elif type_ == "aws_lambda_function" and _str(v.get("function_name")):
        fn = v["function_name"]
        arn = _t("arn:", p, ":lambda:", r, ":", a, ":function:", fn)
        out.update(
            id=fn,
            arn=arn,
            invoke_arn=_t(
                "arn:", p, ":apigateway:", r, ":lambda:path/2015-03-31/functions/", arn, "/invocations"
            ),
        )
        if not v.get("publish"):
            out.update(version="$LATEST", qualified_arn=_t(arn, ":$LATEST"))
    elif type_ == "aws_lambda_permission" and _str(v.get("statement_id")):
        out["id"] = v["statement_id"]
    elif type_ == "aws_lambda_layer_version" and _str(v.get("layer_name")):
        out["layer_arn"] = _t("arn:", p, ":lambda:", r, ":", a, ":layer:", v["layer_name"])
    elif type_ == "aws_lambda_function_event_invoke_config" and _str(v.get("function_name")):
        out["id"] = (
            v["function_name"] if not v.get("qualifier") else _t(v["function_name"], ":", v["qualifier"])
        )
    elif type_ == "aws_cloudwatch_log_group" and _str(name):
        out.update(id=name, arn=_t("arn:", p, ":logs:", r, ":", a, ":log-group:", name))
    elif type_ == "aws_sqs_queue" and _str(name):
        url = _t("https://sqs.", r, ".amazonaws.com/", a, "/", name)
        out.update(id=url, url=url, arn=_t("arn:", p, ":sqs:", r, ":", a, ":", name))
    elif type_ == "aws_sns_topic" and _str(name):
        arn = _t("arn:", p, ":sns:", r, ":", a, ":", name)
        out.update(id=arn, arn=arn)
    elif type_ == "aws_glue_catalog_database" and _str(name):
        cat = v.get("catalog_id") or a
        out.update(
            id=_t(cat, ":", name), catalog_id=cat, arn=_t("arn:", p, ":glue:", r, ":", a, ":database/", name)
        )
    elif type_ == "aws_glue_catalog_table" and _str(name) and _str(v.get("database_name")):
        cat = v.get("catalog_id") or a
        db = v["database_name"]
        out.update(
            id=_t(cat, ":", db, ":", name),
            catalog_id=cat,
            arn=_t("arn:", p, ":glue:", r, ":", a, ":table/", db, "/", name),
        )
    elif type_ == "aws_glue_crawler" and _str(name):
        out.update(id=name, arn=_t("arn:", p, ":glue:", r, ":", a, ":crawler/", name))
    elif type_ == "aws_athena_workgroup" and _str(name):
        out.update(id=name, arn=_t("arn:", p, ":athena:", r, ":", a, ":workgroup/", name))
    elif type_ == "aws_athena_database" and _str(name):
        out["id"] = name
    elif type_ == "aws_glue_security_configuration" and _str(name):
        out["id"] = name
    return out


def derive_data(
    type_: str, address: str, values: dict[str, Any], assume: dict[str, str], policy_json: Any = None
) -> dict[str, Any]:
    """Attributes of a data source known before apply (apply-time ones stay Unknown with their origin)."""
    out: dict[str, Any] = {}
    if type_ == "aws_caller_identity":
        out["account_id"] = assume.get("account_id", Unknown(f"{address}.account_id"))
        out["id"] = out["account_id"]
    elif type_ == "aws_partition":
        out["partition"] = assume.get("partition", Unknown(f"{address}.partition"))
        out["id"] = out["partition"]
        if "partition" in assume:
            out["dns_suffix"] = "amazonaws.com.cn" if assume["partition"] == "aws-cn" else "amazonaws.com"
    elif type_ == "aws_region":
        for key in ("name", "region", "id"):
            out[key] = assume.get("region", Unknown(f"{address}.{key}"))
    elif type_ == "aws_iam_policy_document" and policy_json is not None:
        out.update(json=policy_json, minified_json=policy_json)
    return out


def _one_or_list(items: list[Any]) -> Any:
    return items[0] if len(items) == 1 else items


def policy_document(values: dict[str, Any]) -> dict[str, Any]:
    """The IAM policy an ``aws_iam_policy_document`` renders (statement order kept, as the provider does)."""
    doc: dict[str, Any] = {"Version": values.get("version") or "2012-10-17"}
    if values.get("policy_id"):
        doc["Id"] = values["policy_id"]
    statements = []
    for st in values.get("statement") or []:
        s: dict[str, Any] = {}
        if st.get("sid"):
            s["Sid"] = st["sid"]
        s["Effect"] = st.get("effect") or "Allow"
        for key, field in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            if st.get(key):
                s[field] = _one_or_list(list(st[key]))
        for key, field in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if st.get(key):
                principals: dict[str, Any] = {}
                for pr in st[key]:
                    ids = list(pr.get("identifiers") or [])
                    if pr.get("type") == "*" and ids == ["*"]:
                        principals = "*"  # type: ignore[assignment]
                        break
                    principals.setdefault(pr.get("type"), []).extend(ids)
                if isinstance(principals, dict):
                    principals = {k: _one_or_list(v) for k, v in principals.items()}
                s[field] = principals
        if st.get("condition"):
            cond: dict[str, dict[str, Any]] = {}
            for c in st["condition"]:
                cond.setdefault(c.get("test"), {})[c.get("variable")] = _one_or_list(
                    list(c.get("values") or [])
                )
            s["Condition"] = cond
        statements.append(s)
    doc["Statement"] = statements
    return doc
