"""Deploys template.yaml into moto's CloudFormation, as `sam deploy` would, and describes the stack.

moto has no AWS::Serverless transform, so the template is first translated with AWS's own SAM
translator (aws-sam-translator, pinned in tests/requirements.txt), its CodeUri pointing at the
zip in S3 as `sam package` would make it. Run by tests/js/hosts/lambda/template.test.mjs with the venv's
python; reads one JSON object on stdin:

  {"endpoint": "http://127.0.0.1:PORT", "stackName": "...", "template": "path/to/template.yaml",
   "parameters": {"BucketName": "..."}, "codeBucket": "...", "codeKey": "...", "deploy": true}

and prints one JSON object: the translated template, and (with deploy) the stack's status,
outputs and resources, and what moto made of each: the role and its policies, the function's
configuration, its event source mappings and resource policy, the queues' attributes, the log
group and the bucket's notification configuration.
"""

import ast
import json
import os
import sys

import boto3
from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform


class NoManagedPolicies:
    """The template names no managed policy; the translator asks for the map anyway."""

    def load(self):
        return {}


def translate(path, parameters, code_uri):
    # cfn-lint's YAML reader knows CloudFormation's short forms (!Ref, !Sub, ...).
    template = json.loads(json.dumps(cfn_yaml.load(path)))
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = code_uri
    return transform(template, parameters, NoManagedPolicies())


def policy_document(document):
    """A policy as a dict: moto 5.2 gives a role's inline policy from CloudFormation as a Python repr."""
    if isinstance(document, dict):
        return document
    try:
        return json.loads(document)
    except ValueError:
        return ast.literal_eval(document)


def describe(client, stack_name):
    """The stack as moto made it; `client(service)` gives a boto3 client for moto."""
    cfn = client("cloudformation")
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    resources = cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}
    out = {
        "status": stack["StackStatus"],
        "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
        # moto lists the resources it has no model of (and so skipped) with empty ids.
        "resources": sorted(
            [{"logicalId": r["LogicalResourceId"], "type": r["ResourceType"], "physicalId": r["PhysicalResourceId"]} for r in resources if r["LogicalResourceId"]],
            key=lambda r: r["logicalId"],
        ),
    }

    iam = client("iam")
    role_name = physical["FunctionRole"]
    role = iam.get_role(RoleName=role_name)["Role"]
    names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    out["role"] = {
        "arn": role["Arn"],
        "assumeRolePolicy": role["AssumeRolePolicyDocument"],
        "policies": {n: policy_document(iam.get_role_policy(RoleName=role_name, PolicyName=n)["PolicyDocument"]) for n in names},
        "attached": [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]],
    }

    lam = client("lambda")
    function_name = physical["Function"]
    config = lam.get_function_configuration(FunctionName=function_name)
    config.pop("ResponseMetadata", None)
    out["function"] = config
    out["eventSourceMappings"] = lam.list_event_source_mappings(FunctionName=function_name)["EventSourceMappings"]
    out["permissionPolicy"] = json.loads(lam.get_policy(FunctionName=function_name)["Policy"])

    sqs = client("sqs")
    out["queues"] = {
        logical: sqs.get_queue_attributes(QueueUrl=physical[logical], AttributeNames=["All"])["Attributes"]
        for logical in ("PiecesQueue", "PiecesDeadLetterQueue", "FailedFilesQueue")
    }

    logs = client("logs")
    out["logGroups"] = [
        {"name": g["logGroupName"], "retentionInDays": g.get("retentionInDays")}
        for g in logs.describe_log_groups(logGroupNamePrefix=physical["LogGroup"])["logGroups"]
    ]

    if "UploadBucket" in physical:
        notification = client("s3").get_bucket_notification_configuration(Bucket=physical["UploadBucket"])
        notification.pop("ResponseMetadata", None)
        out["bucketNotification"] = notification
    return out


def main():
    # The translator fills in AWS::Region from boto3's default session; moto's region.
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    request = json.load(sys.stdin)
    code_uri = f"s3://{request['codeBucket']}/{request['codeKey']}"
    template = translate(request["template"], request.get("parameters", {}), code_uri)
    result = {"template": template}
    if request.get("deploy"):
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        endpoint = request["endpoint"]

        def client(service):
            # One moto server answers for every service.
            return session.client(service, endpoint_url=endpoint)

        cfn = client("cloudformation")
        cfn.create_stack(
            StackName=request["stackName"],
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in request.get("parameters", {}).items()],
            Capabilities=["CAPABILITY_IAM"],
        )
        cfn.get_waiter("stack_create_complete").wait(StackName=request["stackName"], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        result["stack"] = describe(client, request["stackName"])
    json.dump(result, sys.stdout, default=str)


if __name__ == "__main__":
    main()
