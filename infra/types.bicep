// Parameter shapes shared by main.bicep and its modules.

@export()
@description('One model connection of the app (settings Models:<name>:*). Its API key, if any, is a Key Vault secret.')
type modelConnection = {
  @description('Connection name, as requests and Experiments:DefaultConnection refer to it.')
  @minLength(1)
  @maxLength(64)
  name: string

  provider: 'openai' | 'azure-openai' | 'openai-compatible' | 'ollama'

  @description('Base URL; required for every provider except openai.')
  endpoint: string?

  @description('Default model, or the deployment name for azure-openai.')
  model: string

  @description('Name of the Key Vault secret that holds the API key; required for openai and azure-openai.')
  apiKeySecretName: string?
}

@export()
@description('One API key of the app (settings Auth:Keys:<n>:*). Only the SHA-256 of the key is stored, as a Key Vault secret.')
type apiKey = {
  @description('Key name: shown as created_by, and the Langfuse public key.')
  @minLength(1)
  name: string

  roles: ('read' | 'write' | 'promote' | 'admin')[]

  @description('Name of the Key Vault secret holding the lowercase hex SHA-256 of the key.')
  digestSecretName: string
}

@export()
type durableBackendKind = 'AzureStorage' | 'DurableTaskScheduler'
