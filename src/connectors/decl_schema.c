/* decl_schema.c - weaver's table of declarative component types: every component type of the
 * Airbyte CDK's declarative_component_schema.yaml (CDK v7.28.2, airbytehq/airbyte-python-cdk,
 * airbyte_cdk/sources/declarative/declarative_component_schema.yaml) that the manifest corpus
 * uses, plus every Custom* type, with each field's kind and required flag. Rows were generated
 * once from the schema and are maintained by hand. Immutable data; any thread.
 *
 * `types` of a COMPONENT(S) field lists the allowed component types, the CDK's default type
 * (DEFAULT_MODEL_TYPES) first. Lower-case tokens name plain alternatives the schema allows in
 * the same place: "string", "bool", "int", "number", "object", "list" (a list whose typed
 * elements are checked as components of the listed types), "any". An OBJECT field with `types`
 * is a mapping of names to such values (SelectiveAuthenticator.authenticators). A "type" row
 * records whether the schema requires `type` on the component. */
#include <string.h>

#include "connectors/manifest_int.h"

/* clang-format off */
static const struct conn_field_def f_AddFields[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"fields", CONN_FK_COMPONENTS, true, "AddedFieldDefinition"},
    {"condition", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_AddedFieldDefinition[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"path", CONN_FK_LIST, true, NULL},
    {"value", CONN_FK_STRING, true, NULL},
    {"value_type", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ApiKey[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"inject_into", CONN_FK_COMPONENT, true, "RequestOption"},
    {"api_token", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ApiKeyAuthenticator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"api_token", CONN_FK_STRING, false, NULL},
    {"header", CONN_FK_STRING, false, NULL},
    {"inject_into", CONN_FK_COMPONENT, false, "RequestOption"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_AsyncJobStatusMap[] = {
    {"type", CONN_FK_STRING, false, NULL},
    {"running", CONN_FK_LIST, true, NULL},
    {"completed", CONN_FK_LIST, true, NULL},
    {"failed", CONN_FK_LIST, true, NULL},
    {"timeout", CONN_FK_LIST, true, NULL},
    {"skipped", CONN_FK_LIST, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_AsyncRetriever[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"record_selector", CONN_FK_COMPONENT, true, "RecordSelector"},
    {"status_mapping", CONN_FK_COMPONENT, true, "AsyncJobStatusMap"},
    {"status_extractor", CONN_FK_COMPONENT, true, "DpathExtractor CustomRecordExtractor"},
    {"download_target_extractor", CONN_FK_COMPONENT, false, "DpathExtractor CustomRecordExtractor"},
    {"download_extractor", CONN_FK_COMPONENT, false, "DpathExtractor CustomRecordExtractor"
     " ResponseToFileExtractor"},
    {"creation_requester", CONN_FK_COMPONENT, true, "HttpRequester CustomRequester"},
    {"polling_requester", CONN_FK_COMPONENT, true, "HttpRequester CustomRequester"},
    {"polling_job_timeout", CONN_FK_INT, false, NULL},
    {"failed_retry_wait_time_in_seconds", CONN_FK_INT, false, NULL},
    {"download_target_requester", CONN_FK_COMPONENT, false, "HttpRequester CustomRequester"},
    {"download_requester", CONN_FK_COMPONENT, true, "HttpRequester CustomRequester"},
    {"download_paginator", CONN_FK_COMPONENT, false, "DefaultPaginator NoPagination"},
    {"abort_requester", CONN_FK_COMPONENT, false, "HttpRequester CustomRequester"},
    {"delete_requester", CONN_FK_COMPONENT, false, "HttpRequester CustomRequester"},
    {"partition_router", CONN_FK_COMPONENT, false, "ListPartitionRouter SubstreamPartitionRouter"
     " GroupingPartitionRouter UnionPartitionRouter CustomPartitionRouter list"},
    {"decoder", CONN_FK_COMPONENT, false, "CsvDecoder GzipDecoder JsonDecoder JsonItemsDecoder"
     " JsonlDecoder IterableDecoder XmlDecoder ZipfileDecoder CustomDecoder"},
    {"download_decoder", CONN_FK_COMPONENT, false, "CsvDecoder GzipDecoder JsonDecoder"
     " JsonItemsDecoder JsonlDecoder IterableDecoder XmlDecoder ZipfileDecoder CustomDecoder"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_AuthFlow[] = {
    {"auth_flow_type", CONN_FK_STRING, false, NULL},
    {"predicate_key", CONN_FK_LIST, false, NULL},
    {"predicate_value", CONN_FK_STRING, false, NULL},
    {"oauth_config_specification", CONN_FK_COMPONENT, false, "OAuthConfigSpecification"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_BasicHttpAuthenticator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"username", CONN_FK_STRING, true, NULL},
    {"password", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_Bearer[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_BearerAuthenticator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"api_token", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_BlockSimultaneousSyncsAction[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CheckDynamicStream[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"stream_count", CONN_FK_INT, true, NULL},
    {"use_check_availability", CONN_FK_BOOL, false, NULL},
    {"config_overrides", CONN_FK_OBJECT, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CheckStream[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"stream_names", CONN_FK_LIST, false, NULL},
    {"dynamic_streams_check_configs", CONN_FK_COMPONENTS, false, "DynamicStreamCheckConfig"},
    {"config_overrides", CONN_FK_OBJECT, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ComplexFieldType[] = {
    {"field_type", CONN_FK_STRING, true, NULL},
    {"items", CONN_FK_COMPONENT, false, "ComplexFieldType string"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ComponentMappingDefinition[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"field_path", CONN_FK_LIST, true, NULL},
    {"value", CONN_FK_STRING, true, NULL},
    {"value_type", CONN_FK_STRING, false, NULL},
    {"create_or_update", CONN_FK_BOOL, false, NULL},
    {"condition", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CompositeErrorHandler[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"error_handlers", CONN_FK_COMPONENTS, true, "DefaultErrorHandler CompositeErrorHandler"
     " CustomErrorHandler"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ConcurrencyLevel[] = {
    {"type", CONN_FK_STRING, false, NULL},
    {"default_concurrency", CONN_FK_INT, true, NULL},
    {"max_concurrency", CONN_FK_INT, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ConditionalStreams[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"condition", CONN_FK_STRING, true, NULL},
    {"streams", CONN_FK_COMPONENTS, true, "DeclarativeStream"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ConfigAddFields[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"fields", CONN_FK_COMPONENTS, true, "AddedFieldDefinition"},
    {"condition", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ConfigComponentsResolver[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"stream_config", CONN_FK_COMPONENT, true, "StreamConfig list"},
    {"components_mapping", CONN_FK_COMPONENTS, true, "ComponentMappingDefinition"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ConfigMigration[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"description", CONN_FK_STRING, false, NULL},
    {"transformations", CONN_FK_COMPONENTS, true, "ConfigRemapField ConfigAddFields"
     " ConfigRemoveFields CustomConfigTransformation"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ConfigNormalizationRules[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"config_migrations", CONN_FK_COMPONENTS, false, "ConfigMigration"},
    {"transformations", CONN_FK_COMPONENTS, false, "ConfigRemapField ConfigAddFields"
     " ConfigRemoveFields CustomConfigTransformation"},
    {"validations", CONN_FK_COMPONENTS, false, "DpathValidator PredicateValidator"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ConfigRemapField[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"map", CONN_FK_ANY, true, NULL},
    {"field_path", CONN_FK_LIST, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ConfigRemoveFields[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"field_pointers", CONN_FK_LIST, true, NULL},
    {"condition", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ConstantBackoffStrategy[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"backoff_time_in_seconds", CONN_FK_NUMBER, true, NULL},
    {"jitter_range_in_seconds", CONN_FK_NUMBER, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CsvDecoder[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"encoding", CONN_FK_STRING, false, NULL},
    {"delimiter", CONN_FK_STRING, false, NULL},
    {"set_values_to_none", CONN_FK_LIST, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CursorPagination[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"cursor_value", CONN_FK_STRING, true, NULL},
    {"page_size", CONN_FK_INT, false, NULL},
    {"stop_condition", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomAuthenticator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomBackoffStrategy[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomConfigTransformation[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomDecoder[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomErrorHandler[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomIncrementalSync[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomPaginationStrategy[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomPartitionRouter[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomRecordExtractor[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomRecordFilter[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomRequester[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomRetriever[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomSchemaLoader[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomSchemaNormalization[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomStateMigration[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomTransformation[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_CustomValidationStrategy[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"class_name", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_DatetimeBasedCursor[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"clamping", CONN_FK_OBJECT, false, NULL},
    {"cursor_field", CONN_FK_STRING, true, NULL},
    {"allow_catalog_defined_cursor_field", CONN_FK_BOOL, false, NULL},
    {"cursor_datetime_formats", CONN_FK_LIST, false, NULL},
    {"start_datetime", CONN_FK_COMPONENT, true, "MinMaxDatetime string"},
    {"start_time_option", CONN_FK_COMPONENT, false, "RequestOption"},
    {"end_datetime", CONN_FK_COMPONENT, false, "MinMaxDatetime string"},
    {"end_time_option", CONN_FK_COMPONENT, false, "RequestOption"},
    {"datetime_format", CONN_FK_STRING, true, NULL},
    {"cursor_granularity", CONN_FK_STRING, false, NULL},
    {"is_data_feed", CONN_FK_BOOL, false, NULL},
    {"is_client_side_incremental", CONN_FK_BOOL, false, NULL},
    {"is_compare_strictly", CONN_FK_BOOL, false, NULL},
    {"global_substream_cursor", CONN_FK_BOOL, false, NULL},
    {"lookback_window", CONN_FK_STRING, false, NULL},
    {"partition_field_end", CONN_FK_STRING, false, NULL},
    {"partition_field_start", CONN_FK_STRING, false, NULL},
    {"step", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_DeclarativeSource[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"check", CONN_FK_COMPONENT, true, "CheckStream CheckDynamicStream"},
    {"streams", CONN_FK_COMPONENTS, false, "DeclarativeStream ConditionalStreams"
     " StateDelegatingStream"},
    {"dynamic_streams", CONN_FK_COMPONENTS, false, "DynamicDeclarativeStream"},
    {"version", CONN_FK_STRING, true, NULL},
    {"schemas", CONN_FK_OBJECT, false, NULL},
    {"definitions", CONN_FK_OBJECT, false, NULL},
    {"spec", CONN_FK_COMPONENT, false, "Spec"},
    {"concurrency_level", CONN_FK_COMPONENT, false, "ConcurrencyLevel"},
    {"api_budget", CONN_FK_COMPONENT, false, "HTTPAPIBudget"},
    {"stream_groups", CONN_FK_OBJECT, false, "StreamGroup"},
    {"max_concurrent_async_job_count", CONN_FK_INT, false, NULL},
    {"metadata", CONN_FK_OBJECT, false, NULL},
    {"description", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_DeclarativeStream[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"name", CONN_FK_STRING, false, NULL},
    {"retriever", CONN_FK_COMPONENT, true, "SimpleRetriever AsyncRetriever CustomRetriever"},
    {"incremental_sync", CONN_FK_COMPONENT, false, "DatetimeBasedCursor IncrementingCountCursor"},
    {"primary_key", CONN_FK_ANY, false, NULL},
    {"schema_loader", CONN_FK_COMPONENT, false, "JsonFileSchemaLoader InlineSchemaLoader"
     " DynamicSchemaLoader CustomSchemaLoader list"},
    {"transformations", CONN_FK_COMPONENTS, false, "AddFields RemoveFields KeysToLower"
     " KeysToSnakeCase FlattenFields DpathFlattenFields KeysReplace CustomTransformation"},
    {"state_migrations", CONN_FK_COMPONENTS, false, "LegacyToPerPartitionStateMigration"
     " CustomStateMigration"},
    {"file_uploader", CONN_FK_COMPONENT, false, "FileUploader"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_DefaultErrorHandler[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"backoff_strategies", CONN_FK_COMPONENTS, false, "ConstantBackoffStrategy"
     " ExponentialBackoffStrategy WaitTimeFromHeader WaitUntilTimeFromHeader"
     " CustomBackoffStrategy"},
    {"max_retries", CONN_FK_INT, false, NULL},
    {"response_filters", CONN_FK_COMPONENTS, false, "HttpResponseFilter"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_DefaultPaginator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"pagination_strategy", CONN_FK_COMPONENT, true, "PageIncrement OffsetIncrement"
     " CursorPagination CustomPaginationStrategy"},
    {"page_size_option", CONN_FK_COMPONENT, false, "RequestOption"},
    {"page_token_option", CONN_FK_COMPONENT, false, "RequestOption RequestPath"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_DpathExtractor[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"field_path", CONN_FK_LIST, true, NULL},
    {"record_expander", CONN_FK_COMPONENT, false, "RecordExpander"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_DpathFlattenFields[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"field_path", CONN_FK_LIST, true, NULL},
    {"delete_origin_value", CONN_FK_BOOL, false, NULL},
    {"replace_record", CONN_FK_BOOL, false, NULL},
    {"key_transformation", CONN_FK_COMPONENT, false, "KeyTransformation"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_DpathValidator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"field_path", CONN_FK_LIST, true, NULL},
    {"validation_strategy", CONN_FK_COMPONENT, true, "ValidateAdheresToSchema"
     " CustomValidationStrategy"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_DynamicDeclarativeStream[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"name", CONN_FK_STRING, false, NULL},
    {"stream_template", CONN_FK_COMPONENT, true, "DeclarativeStream StateDelegatingStream"},
    {"components_resolver", CONN_FK_COMPONENT, true, "HttpComponentsResolver"
     " ConfigComponentsResolver ParametrizedComponentsResolver"},
    {"use_parent_parameters", CONN_FK_BOOL, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_DynamicSchemaLoader[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"retriever", CONN_FK_COMPONENT, true, "SimpleRetriever AsyncRetriever CustomRetriever"},
    {"schema_filter", CONN_FK_COMPONENT, false, "RecordFilter CustomRecordFilter"},
    {"schema_transformations", CONN_FK_COMPONENTS, false, "AddFields RemoveFields KeysToLower"
     " KeysToSnakeCase FlattenFields DpathFlattenFields KeysReplace CustomTransformation"},
    {"schema_type_identifier", CONN_FK_COMPONENT, true, "SchemaTypeIdentifier"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_DynamicStreamCheckConfig[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"dynamic_stream_name", CONN_FK_STRING, true, NULL},
    {"stream_count", CONN_FK_INT, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ExponentialBackoffStrategy[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"factor", CONN_FK_NUMBER, false, NULL},
    {"jitter_range_in_seconds", CONN_FK_NUMBER, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_FileUploader[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"requester", CONN_FK_COMPONENT, true, "HttpRequester CustomRequester"},
    {"download_target_extractor", CONN_FK_COMPONENT, true, "DpathExtractor CustomRecordExtractor"},
    {"file_extractor", CONN_FK_COMPONENT, false, "DpathExtractor CustomRecordExtractor"},
    {"filename_extractor", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_FixedWindowCallRatePolicy[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"period", CONN_FK_STRING, true, NULL},
    {"call_limit", CONN_FK_INT, true, NULL},
    {"matchers", CONN_FK_COMPONENTS, true, "HttpRequestRegexMatcher"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_FlattenFields[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"flatten_lists", CONN_FK_BOOL, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_GroupByKeyMergeStrategy[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"key", CONN_FK_ANY, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_GroupingPartitionRouter[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"group_size", CONN_FK_INT, true, NULL},
    {"underlying_partition_router", CONN_FK_COMPONENT, true, "ListPartitionRouter"
     " SubstreamPartitionRouter UnionPartitionRouter CustomPartitionRouter"},
    {"deduplicate", CONN_FK_BOOL, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_GzipDecoder[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"decoder", CONN_FK_COMPONENT, true, "CsvDecoder GzipDecoder JsonDecoder JsonItemsDecoder"
     " JsonlDecoder"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_HTTPAPIBudget[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"policies", CONN_FK_COMPONENTS, true, "FixedWindowCallRatePolicy MovingWindowCallRatePolicy"
     " UnlimitedCallRatePolicy"},
    {"ratelimit_reset_header", CONN_FK_STRING, false, NULL},
    {"ratelimit_remaining_header", CONN_FK_STRING, false, NULL},
    {"status_codes_for_ratelimit_hit", CONN_FK_LIST, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_HttpComponentsResolver[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"retriever", CONN_FK_COMPONENT, true, "SimpleRetriever AsyncRetriever CustomRetriever"},
    {"components_mapping", CONN_FK_COMPONENTS, true, "ComponentMappingDefinition"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_HttpRequestRegexMatcher[] = {
    {"method", CONN_FK_STRING, false, NULL},
    {"url_base", CONN_FK_STRING, false, NULL},
    {"url_path_pattern", CONN_FK_STRING, false, NULL},
    {"params", CONN_FK_OBJECT, false, NULL},
    {"headers", CONN_FK_OBJECT, false, NULL},
    {"weight", CONN_FK_INT, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_HttpRequester[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"url_base", CONN_FK_STRING, false, NULL},
    {"url", CONN_FK_STRING, false, NULL},
    {"path", CONN_FK_STRING, false, NULL},
    {"http_method", CONN_FK_STRING, false, NULL},
    {"authenticator", CONN_FK_COMPONENT, false, "ApiKeyAuthenticator BasicHttpAuthenticator"
     " BearerAuthenticator OAuthAuthenticator JwtAuthenticator SessionTokenAuthenticator"
     " SelectiveAuthenticator CustomAuthenticator NoAuth LegacySessionTokenAuthenticator"
     " RateLimitedMultipleTokenAuthenticator"},
    {"fetch_properties_from_endpoint", CONN_FK_COMPONENT, false, "PropertiesFromEndpoint"},
    {"query_properties", CONN_FK_COMPONENT, false, "QueryProperties"},
    {"request_parameters", CONN_FK_ANY, false, NULL},
    {"request_headers", CONN_FK_ANY, false, NULL},
    {"request_body_data", CONN_FK_ANY, false, NULL},
    {"request_body_json", CONN_FK_ANY, false, NULL},
    {"request_body", CONN_FK_COMPONENT, false, "RequestBodyPlainText RequestBodyUrlEncodedForm"
     " RequestBodyJsonObject RequestBodyGraphQL"},
    {"error_handler", CONN_FK_COMPONENT, false, "DefaultErrorHandler CompositeErrorHandler"
     " CustomErrorHandler"},
    {"use_cache", CONN_FK_BOOL, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_HttpResponseFilter[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"action", CONN_FK_STRING, false, NULL},
    {"failure_type", CONN_FK_STRING, false, NULL},
    {"error_message", CONN_FK_STRING, false, NULL},
    {"error_message_contains", CONN_FK_STRING, false, NULL},
    {"http_codes", CONN_FK_LIST, false, NULL},
    {"predicate", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_IncrementingCountCursor[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"cursor_field", CONN_FK_STRING, true, NULL},
    {"allow_catalog_defined_cursor_field", CONN_FK_BOOL, false, NULL},
    {"start_value", CONN_FK_INT, false, NULL},
    {"start_value_option", CONN_FK_COMPONENT, false, "RequestOption"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_InlineSchemaLoader[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"schema", CONN_FK_OBJECT, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_IterableDecoder[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_JsonDecoder[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_JsonFileSchemaLoader[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"file_path", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_JsonItemsDecoder[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"items_path", CONN_FK_STRING, true, NULL},
    {"encoding", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_JsonSchemaPropertySelector[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"transformations", CONN_FK_COMPONENTS, false, "AddFields RemoveFields KeysToLower"
     " KeysToSnakeCase FlattenFields DpathFlattenFields KeysReplace CustomTransformation"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_JsonlDecoder[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_JwtAuthenticator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"secret_key", CONN_FK_STRING, true, NULL},
    {"base64_encode_secret_key", CONN_FK_BOOL, false, NULL},
    {"algorithm", CONN_FK_STRING, true, NULL},
    {"token_duration", CONN_FK_INT, false, NULL},
    {"header_prefix", CONN_FK_STRING, false, NULL},
    {"jwt_headers", CONN_FK_OBJECT, false, NULL},
    {"additional_jwt_headers", CONN_FK_OBJECT, false, NULL},
    {"jwt_payload", CONN_FK_OBJECT, false, NULL},
    {"additional_jwt_payload", CONN_FK_OBJECT, false, NULL},
    {"passphrase", CONN_FK_STRING, false, NULL},
    {"request_option", CONN_FK_COMPONENT, false, "RequestOption"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_KeyTransformation[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"prefix", CONN_FK_STRING, false, NULL},
    {"suffix", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_KeysReplace[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"old", CONN_FK_STRING, true, NULL},
    {"new", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_KeysToLower[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_KeysToSnakeCase[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_LegacySessionTokenAuthenticator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"header", CONN_FK_STRING, true, NULL},
    {"login_url", CONN_FK_STRING, true, NULL},
    {"session_token", CONN_FK_STRING, false, NULL},
    {"session_token_response_key", CONN_FK_STRING, true, NULL},
    {"username", CONN_FK_STRING, false, NULL},
    {"password", CONN_FK_STRING, false, NULL},
    {"validate_session_url", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_LegacyToPerPartitionStateMigration[] = {
    {"type", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ListPartitionRouter[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"cursor_field", CONN_FK_STRING, true, NULL},
    {"values", CONN_FK_ANY, true, NULL},
    {"request_option", CONN_FK_COMPONENT, false, "RequestOption"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_MinMaxDatetime[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"datetime", CONN_FK_STRING, true, NULL},
    {"datetime_format", CONN_FK_STRING, false, NULL},
    {"max_datetime", CONN_FK_STRING, false, NULL},
    {"min_datetime", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_MovingWindowCallRatePolicy[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"rates", CONN_FK_COMPONENTS, true, "Rate"},
    {"matchers", CONN_FK_COMPONENTS, true, "HttpRequestRegexMatcher"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_NoAuth[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_NoPagination[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_OAuthAuthenticator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"client_id_name", CONN_FK_STRING, false, NULL},
    {"client_id", CONN_FK_STRING, false, NULL},
    {"client_secret_name", CONN_FK_STRING, false, NULL},
    {"client_secret", CONN_FK_STRING, false, NULL},
    {"refresh_token_name", CONN_FK_STRING, false, NULL},
    {"refresh_token", CONN_FK_STRING, false, NULL},
    {"token_refresh_endpoint", CONN_FK_STRING, false, NULL},
    {"access_token_name", CONN_FK_STRING, false, NULL},
    {"access_token_value", CONN_FK_STRING, false, NULL},
    {"expires_in_name", CONN_FK_STRING, false, NULL},
    {"grant_type_name", CONN_FK_STRING, false, NULL},
    {"grant_type", CONN_FK_STRING, false, NULL},
    {"refresh_request_body", CONN_FK_OBJECT, false, NULL},
    {"refresh_request_headers", CONN_FK_OBJECT, false, NULL},
    {"send_refresh_request_as_query_params", CONN_FK_BOOL, false, NULL},
    {"scopes", CONN_FK_LIST, false, NULL},
    {"token_expiry_date", CONN_FK_STRING, false, NULL},
    {"token_expiry_date_format", CONN_FK_STRING, false, NULL},
    {"refresh_token_error_status_codes", CONN_FK_LIST, false, NULL},
    {"refresh_token_error_key", CONN_FK_STRING, false, NULL},
    {"refresh_token_error_values", CONN_FK_LIST, false, NULL},
    {"refresh_token_updater", CONN_FK_ANY, false, NULL},
    {"profile_assertion", CONN_FK_COMPONENT, false, "JwtAuthenticator"},
    {"use_profile_assertion", CONN_FK_BOOL, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_OAuthConfigSpecification[] = {
    {"oauth_user_input_from_connector_config_specification", CONN_FK_OBJECT, false, NULL},
    {"oauth_connector_input_specification", CONN_FK_OBJECT, false, NULL},
    {"complete_oauth_output_specification", CONN_FK_OBJECT, false, NULL},
    {"complete_oauth_server_input_specification", CONN_FK_OBJECT, false, NULL},
    {"complete_oauth_server_output_specification", CONN_FK_OBJECT, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_OffsetIncrement[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"page_size", CONN_FK_INT, false, NULL},
    {"inject_on_first_request", CONN_FK_BOOL, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_PageIncrement[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"page_size", CONN_FK_INT, false, NULL},
    {"start_from_page", CONN_FK_INT, false, NULL},
    {"inject_on_first_request", CONN_FK_BOOL, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_PaginationReset[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"action", CONN_FK_STRING, true, NULL},
    {"limits", CONN_FK_COMPONENT, false, "PaginationResetLimits"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_PaginationResetLimits[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"number_of_records", CONN_FK_INT, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ParametrizedComponentsResolver[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"stream_parameters", CONN_FK_COMPONENT, true, "StreamParametersDefinition"},
    {"components_mapping", CONN_FK_COMPONENTS, true, "ComponentMappingDefinition"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ParentStreamConfig[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"stream", CONN_FK_COMPONENT, true, "DeclarativeStream StateDelegatingStream"},
    {"parent_key", CONN_FK_STRING, true, NULL},
    {"partition_field", CONN_FK_STRING, true, NULL},
    {"request_option", CONN_FK_COMPONENT, false, "RequestOption"},
    {"incremental_dependency", CONN_FK_BOOL, false, NULL},
    {"lazy_read_pointer", CONN_FK_LIST, false, NULL},
    {"extra_fields", CONN_FK_LIST, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_PredicateValidator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"value", CONN_FK_ANY, true, NULL},
    {"validation_strategy", CONN_FK_COMPONENT, true, "ValidateAdheresToSchema"
     " CustomValidationStrategy"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_PropertiesFromEndpoint[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"property_field_path", CONN_FK_LIST, true, NULL},
    {"retriever", CONN_FK_COMPONENT, true, "SimpleRetriever CustomRetriever"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_PropertyChunking[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"property_limit_type", CONN_FK_ANY, true, NULL},
    {"property_limit", CONN_FK_INT, false, NULL},
    {"record_merge_strategy", CONN_FK_COMPONENT, false, "GroupByKeyMergeStrategy"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_QueryProperties[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"property_list", CONN_FK_COMPONENT, true, "PropertiesFromEndpoint list"},
    {"always_include_properties", CONN_FK_LIST, false, NULL},
    {"property_chunking", CONN_FK_COMPONENT, false, "PropertyChunking"},
    {"property_selector", CONN_FK_COMPONENT, false, "JsonSchemaPropertySelector"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_QuotaStatusSource[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"url", CONN_FK_STRING, true, NULL},
    {"http_method", CONN_FK_STRING, false, NULL},
    {"request_headers", CONN_FK_OBJECT, false, NULL},
    {"unavailable_status_codes", CONN_FK_LIST, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_Rate[] = {
    {"limit", CONN_FK_INT, true, NULL},
    {"interval", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_RateLimitedMultipleTokenAuthenticator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"tokens", CONN_FK_ANY, true, NULL},
    {"token_delimiter", CONN_FK_STRING, false, NULL},
    {"auth_method", CONN_FK_STRING, false, NULL},
    {"header", CONN_FK_STRING, false, NULL},
    {"quota_status_source", CONN_FK_COMPONENT, true, "QuotaStatusSource"},
    {"quotas", CONN_FK_COMPONENTS, true, "TokenQuota"},
    {"max_wait_time", CONN_FK_STRING, false, NULL},
    {"budget_reserve_fraction", CONN_FK_NUMBER, false, NULL},
    {"budget_min_reserve", CONN_FK_INT, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_RecordExpander[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"expand_records_from_field", CONN_FK_LIST, true, NULL},
    {"remain_original_record", CONN_FK_BOOL, false, NULL},
    {"on_no_records", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_RecordFilter[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"condition", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_RecordSelector[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"extractor", CONN_FK_COMPONENT, true, "DpathExtractor CustomRecordExtractor"},
    {"record_filter", CONN_FK_COMPONENT, false, "RecordFilter CustomRecordFilter"},
    {"schema_normalization", CONN_FK_COMPONENT, false, "CustomSchemaNormalization string"},
    {"transform_before_filtering", CONN_FK_BOOL, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_RemoveFields[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"condition", CONN_FK_STRING, false, NULL},
    {"field_pointers", CONN_FK_LIST, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_RequestBodyGraphQL[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"value", CONN_FK_COMPONENT, true, "RequestBodyGraphQlQuery"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_RequestBodyGraphQlQuery[] = {
    {"query", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_RequestBodyJsonObject[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"value", CONN_FK_OBJECT, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_RequestBodyPlainText[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"value", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_RequestBodyUrlEncodedForm[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"value", CONN_FK_OBJECT, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_RequestOption[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"inject_into", CONN_FK_ANY, true, NULL},
    {"field_name", CONN_FK_STRING, false, NULL},
    {"field_path", CONN_FK_LIST, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_RequestPath[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ResponseToFileExtractor[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"preserve_na_values", CONN_FK_BOOL, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_SchemaTypeIdentifier[] = {
    {"type", CONN_FK_STRING, false, NULL},
    {"schema_pointer", CONN_FK_LIST, false, NULL},
    {"key_pointer", CONN_FK_LIST, true, NULL},
    {"type_pointer", CONN_FK_LIST, false, NULL},
    {"types_mapping", CONN_FK_COMPONENTS, false, "TypesMap"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_SelectiveAuthenticator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"authenticator_selection_path", CONN_FK_LIST, true, NULL},
    {"authenticators", CONN_FK_OBJECT, true, "ApiKeyAuthenticator BasicHttpAuthenticator"
     " BearerAuthenticator OAuthAuthenticator JwtAuthenticator SessionTokenAuthenticator"
     " LegacySessionTokenAuthenticator CustomAuthenticator NoAuth"
     " RateLimitedMultipleTokenAuthenticator"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_SessionTokenAuthenticator[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"login_requester", CONN_FK_COMPONENT, true, "HttpRequester"},
    {"session_token_path", CONN_FK_LIST, true, NULL},
    {"expiration_duration", CONN_FK_STRING, false, NULL},
    {"request_authentication", CONN_FK_COMPONENT, true, "ApiKey Bearer"},
    {"decoder", CONN_FK_COMPONENT, false, "JsonDecoder XmlDecoder"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_SimpleRetriever[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"requester", CONN_FK_COMPONENT, true, "HttpRequester CustomRequester"},
    {"decoder", CONN_FK_COMPONENT, false, "JsonDecoder JsonItemsDecoder XmlDecoder CsvDecoder"
     " JsonlDecoder GzipDecoder IterableDecoder ZipfileDecoder CustomDecoder"},
    {"record_selector", CONN_FK_COMPONENT, true, "RecordSelector"},
    {"paginator", CONN_FK_COMPONENT, false, "NoPagination DefaultPaginator"},
    {"pagination_reset", CONN_FK_COMPONENT, false, "PaginationReset"},
    {"ignore_stream_slicer_parameters_on_paginated_requests", CONN_FK_BOOL, false, NULL},
    {"partition_router", CONN_FK_COMPONENT, false, "SubstreamPartitionRouter ListPartitionRouter"
     " GroupingPartitionRouter UnionPartitionRouter CustomPartitionRouter list"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_Spec[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"connection_specification", CONN_FK_OBJECT, true, NULL},
    {"documentation_url", CONN_FK_STRING, false, NULL},
    {"advanced_auth", CONN_FK_COMPONENT, false, "AuthFlow"},
    {"config_normalization_rules", CONN_FK_COMPONENT, false, "ConfigNormalizationRules"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_StateDelegatingStream[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"name", CONN_FK_STRING, true, NULL},
    {"full_refresh_stream", CONN_FK_COMPONENT, true, "DeclarativeStream"},
    {"incremental_stream", CONN_FK_COMPONENT, true, "DeclarativeStream"},
    {"api_retention_period", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_StreamConfig[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"configs_pointer", CONN_FK_LIST, true, NULL},
    {"default_values", CONN_FK_LIST, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_StreamGroup[] = {
    {"streams", CONN_FK_COMPONENTS, true, "DeclarativeStream"},
    {"action", CONN_FK_COMPONENT, true, "BlockSimultaneousSyncsAction"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_StreamParametersDefinition[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"list_of_parameters_for_stream", CONN_FK_LIST, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_SubstreamPartitionRouter[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"parent_stream_configs", CONN_FK_COMPONENTS, true, "ParentStreamConfig"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_TokenQuota[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"name", CONN_FK_STRING, true, NULL},
    {"remaining_path", CONN_FK_LIST, true, NULL},
    {"reset_path", CONN_FK_LIST, true, NULL},
    {"limit_path", CONN_FK_LIST, false, NULL},
    {"matchers", CONN_FK_COMPONENTS, false, "HttpRequestRegexMatcher"},
    {"remaining_header", CONN_FK_STRING, false, NULL},
    {"reset_header", CONN_FK_STRING, false, NULL},
    {"limit_header", CONN_FK_STRING, false, NULL},
    {"exhaustion_status_codes", CONN_FK_LIST, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_TypesMap[] = {
    {"target_type", CONN_FK_COMPONENT, true, "ComplexFieldType string list"},
    {"current_type", CONN_FK_ANY, true, NULL},
    {"condition", CONN_FK_STRING, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_UnionPartitionRouter[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"partition_field", CONN_FK_STRING, true, NULL},
    {"partition_routers", CONN_FK_COMPONENTS, true, "ListPartitionRouter"
     " SubstreamPartitionRouter UnionPartitionRouter CustomPartitionRouter"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_UnlimitedCallRatePolicy[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"matchers", CONN_FK_COMPONENTS, true, "HttpRequestRegexMatcher"},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ValidateAdheresToSchema[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"base_schema", CONN_FK_ANY, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_WaitTimeFromHeader[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"header", CONN_FK_STRING, true, NULL},
    {"regex", CONN_FK_STRING, false, NULL},
    {"max_waiting_time_in_seconds", CONN_FK_NUMBER, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_WaitUntilTimeFromHeader[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"header", CONN_FK_STRING, true, NULL},
    {"min_wait", CONN_FK_NUMBER, false, NULL},
    {"regex", CONN_FK_STRING, false, NULL},
    {"max_waiting_time_in_seconds", CONN_FK_NUMBER, false, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_XmlDecoder[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {NULL, CONN_FK_ANY, false, NULL}};
static const struct conn_field_def f_ZipfileDecoder[] = {
    {"type", CONN_FK_STRING, true, NULL},
    {"decoder", CONN_FK_COMPONENT, true, "CsvDecoder GzipDecoder JsonDecoder JsonItemsDecoder"
     " JsonlDecoder"},
    {NULL, CONN_FK_ANY, false, NULL}};

/* Sorted by type (binary search). */
static const struct conn_component_def components[] = {
    {"AddFields", f_AddFields, false},
    {"AddedFieldDefinition", f_AddedFieldDefinition, false},
    {"ApiKey", f_ApiKey, false},
    {"ApiKeyAuthenticator", f_ApiKeyAuthenticator, false},
    {"AsyncJobStatusMap", f_AsyncJobStatusMap, false},
    {"AsyncRetriever", f_AsyncRetriever, false},
    {"AuthFlow", f_AuthFlow, false},
    {"BasicHttpAuthenticator", f_BasicHttpAuthenticator, false},
    {"Bearer", f_Bearer, false},
    {"BearerAuthenticator", f_BearerAuthenticator, false},
    {"BlockSimultaneousSyncsAction", f_BlockSimultaneousSyncsAction, false},
    {"CheckDynamicStream", f_CheckDynamicStream, false},
    {"CheckStream", f_CheckStream, false},
    {"ComplexFieldType", f_ComplexFieldType, false},
    {"ComponentMappingDefinition", f_ComponentMappingDefinition, false},
    {"CompositeErrorHandler", f_CompositeErrorHandler, false},
    {"ConcurrencyLevel", f_ConcurrencyLevel, false},
    {"ConditionalStreams", f_ConditionalStreams, false},
    {"ConfigAddFields", f_ConfigAddFields, false},
    {"ConfigComponentsResolver", f_ConfigComponentsResolver, false},
    {"ConfigMigration", f_ConfigMigration, false},
    {"ConfigNormalizationRules", f_ConfigNormalizationRules, false},
    {"ConfigRemapField", f_ConfigRemapField, false},
    {"ConfigRemoveFields", f_ConfigRemoveFields, false},
    {"ConstantBackoffStrategy", f_ConstantBackoffStrategy, false},
    {"CsvDecoder", f_CsvDecoder, false},
    {"CursorPagination", f_CursorPagination, false},
    {"CustomAuthenticator", f_CustomAuthenticator, true},
    {"CustomBackoffStrategy", f_CustomBackoffStrategy, true},
    {"CustomConfigTransformation", f_CustomConfigTransformation, true},
    {"CustomDecoder", f_CustomDecoder, true},
    {"CustomErrorHandler", f_CustomErrorHandler, true},
    {"CustomIncrementalSync", f_CustomIncrementalSync, true},
    {"CustomPaginationStrategy", f_CustomPaginationStrategy, true},
    {"CustomPartitionRouter", f_CustomPartitionRouter, true},
    {"CustomRecordExtractor", f_CustomRecordExtractor, true},
    {"CustomRecordFilter", f_CustomRecordFilter, true},
    {"CustomRequester", f_CustomRequester, true},
    {"CustomRetriever", f_CustomRetriever, true},
    {"CustomSchemaLoader", f_CustomSchemaLoader, true},
    {"CustomSchemaNormalization", f_CustomSchemaNormalization, true},
    {"CustomStateMigration", f_CustomStateMigration, true},
    {"CustomTransformation", f_CustomTransformation, true},
    {"CustomValidationStrategy", f_CustomValidationStrategy, true},
    {"DatetimeBasedCursor", f_DatetimeBasedCursor, false},
    {"DeclarativeSource", f_DeclarativeSource, false},
    {"DeclarativeStream", f_DeclarativeStream, false},
    {"DefaultErrorHandler", f_DefaultErrorHandler, false},
    {"DefaultPaginator", f_DefaultPaginator, false},
    {"DpathExtractor", f_DpathExtractor, false},
    {"DpathFlattenFields", f_DpathFlattenFields, false},
    {"DpathValidator", f_DpathValidator, false},
    {"DynamicDeclarativeStream", f_DynamicDeclarativeStream, false},
    {"DynamicSchemaLoader", f_DynamicSchemaLoader, false},
    {"DynamicStreamCheckConfig", f_DynamicStreamCheckConfig, false},
    {"ExponentialBackoffStrategy", f_ExponentialBackoffStrategy, false},
    {"FileUploader", f_FileUploader, false},
    {"FixedWindowCallRatePolicy", f_FixedWindowCallRatePolicy, false},
    {"FlattenFields", f_FlattenFields, false},
    {"GroupByKeyMergeStrategy", f_GroupByKeyMergeStrategy, false},
    {"GroupingPartitionRouter", f_GroupingPartitionRouter, false},
    {"GzipDecoder", f_GzipDecoder, false},
    {"HTTPAPIBudget", f_HTTPAPIBudget, false},
    {"HttpComponentsResolver", f_HttpComponentsResolver, false},
    {"HttpRequestRegexMatcher", f_HttpRequestRegexMatcher, false},
    {"HttpRequester", f_HttpRequester, false},
    {"HttpResponseFilter", f_HttpResponseFilter, false},
    {"IncrementingCountCursor", f_IncrementingCountCursor, false},
    {"InlineSchemaLoader", f_InlineSchemaLoader, false},
    {"IterableDecoder", f_IterableDecoder, false},
    {"JsonDecoder", f_JsonDecoder, false},
    {"JsonFileSchemaLoader", f_JsonFileSchemaLoader, false},
    {"JsonItemsDecoder", f_JsonItemsDecoder, false},
    {"JsonSchemaPropertySelector", f_JsonSchemaPropertySelector, false},
    {"JsonlDecoder", f_JsonlDecoder, false},
    {"JwtAuthenticator", f_JwtAuthenticator, false},
    {"KeyTransformation", f_KeyTransformation, false},
    {"KeysReplace", f_KeysReplace, false},
    {"KeysToLower", f_KeysToLower, false},
    {"KeysToSnakeCase", f_KeysToSnakeCase, false},
    {"LegacySessionTokenAuthenticator", f_LegacySessionTokenAuthenticator, false},
    {"LegacyToPerPartitionStateMigration", f_LegacyToPerPartitionStateMigration, false},
    {"ListPartitionRouter", f_ListPartitionRouter, false},
    {"MinMaxDatetime", f_MinMaxDatetime, false},
    {"MovingWindowCallRatePolicy", f_MovingWindowCallRatePolicy, false},
    {"NoAuth", f_NoAuth, false},
    {"NoPagination", f_NoPagination, false},
    {"OAuthAuthenticator", f_OAuthAuthenticator, false},
    {"OAuthConfigSpecification", f_OAuthConfigSpecification, false},
    {"OffsetIncrement", f_OffsetIncrement, false},
    {"PageIncrement", f_PageIncrement, false},
    {"PaginationReset", f_PaginationReset, false},
    {"PaginationResetLimits", f_PaginationResetLimits, false},
    {"ParametrizedComponentsResolver", f_ParametrizedComponentsResolver, false},
    {"ParentStreamConfig", f_ParentStreamConfig, false},
    {"PredicateValidator", f_PredicateValidator, false},
    {"PropertiesFromEndpoint", f_PropertiesFromEndpoint, false},
    {"PropertyChunking", f_PropertyChunking, false},
    {"QueryProperties", f_QueryProperties, false},
    {"QuotaStatusSource", f_QuotaStatusSource, false},
    {"Rate", f_Rate, false},
    {"RateLimitedMultipleTokenAuthenticator", f_RateLimitedMultipleTokenAuthenticator, false},
    {"RecordExpander", f_RecordExpander, false},
    {"RecordFilter", f_RecordFilter, false},
    {"RecordSelector", f_RecordSelector, false},
    {"RemoveFields", f_RemoveFields, false},
    {"RequestBodyGraphQL", f_RequestBodyGraphQL, false},
    {"RequestBodyGraphQlQuery", f_RequestBodyGraphQlQuery, false},
    {"RequestBodyJsonObject", f_RequestBodyJsonObject, false},
    {"RequestBodyPlainText", f_RequestBodyPlainText, false},
    {"RequestBodyUrlEncodedForm", f_RequestBodyUrlEncodedForm, false},
    {"RequestOption", f_RequestOption, false},
    {"RequestPath", f_RequestPath, false},
    {"ResponseToFileExtractor", f_ResponseToFileExtractor, false},
    {"SchemaTypeIdentifier", f_SchemaTypeIdentifier, false},
    {"SelectiveAuthenticator", f_SelectiveAuthenticator, false},
    {"SessionTokenAuthenticator", f_SessionTokenAuthenticator, false},
    {"SimpleRetriever", f_SimpleRetriever, false},
    {"Spec", f_Spec, false},
    {"StateDelegatingStream", f_StateDelegatingStream, false},
    {"StreamConfig", f_StreamConfig, false},
    {"StreamGroup", f_StreamGroup, false},
    {"StreamParametersDefinition", f_StreamParametersDefinition, false},
    {"SubstreamPartitionRouter", f_SubstreamPartitionRouter, false},
    {"TokenQuota", f_TokenQuota, false},
    {"TypesMap", f_TypesMap, false},
    {"UnionPartitionRouter", f_UnionPartitionRouter, false},
    {"UnlimitedCallRatePolicy", f_UnlimitedCallRatePolicy, false},
    {"ValidateAdheresToSchema", f_ValidateAdheresToSchema, false},
    {"WaitTimeFromHeader", f_WaitTimeFromHeader, false},
    {"WaitUntilTimeFromHeader", f_WaitUntilTimeFromHeader, false},
    {"XmlDecoder", f_XmlDecoder, false},
    {"ZipfileDecoder", f_ZipfileDecoder, false},
};
/* clang-format on */

#define N_COMPONENTS (sizeof components / sizeof components[0])

/* Binary search of the sorted table. */
const struct conn_component_def *conn_component_find(const char *type)
{
    if (!type)
        return NULL;
    size_t lo = 0, hi = N_COMPONENTS;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(type, components[mid].type);
        if (c == 0)
            return &components[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
