// Parameters from the azd environment (`azd env set NAME VALUE`); nothing here is a secret. Values are read when
// the file is compiled, so a value of the wrong shape (say PF_DURABLE_BACKEND=Typo) fails before anything deploys.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'promptfunctions')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
// JSON arrays, e.g. PF_MODEL_CONNECTIONS='[{"name":"openai","provider":"openai","model":"gpt-4o-mini","apiKeySecretName":"model-openai-api-key"}]'
param modelConnections = json(readEnvironmentVariable('PF_MODEL_CONNECTIONS', '[]'))
param defaultModelConnection = readEnvironmentVariable('PF_DEFAULT_MODEL_CONNECTION', '')
param durableBackend = readEnvironmentVariable('PF_DURABLE_BACKEND', 'AzureStorage')
