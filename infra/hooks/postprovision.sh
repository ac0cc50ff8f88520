#!/bin/sh
# After `azd provision`: make sure every Key Vault secret the app settings refer to exists.
# - API key digests that are missing are created: a random key is generated here, only its SHA-256 goes to Key
#   Vault, and the key itself is printed once for the operator (it is stored nowhere else).
# - Model API keys cannot be invented: the missing ones are listed with the command that sets them.
# Needs the Azure CLI signed in as the deploying user (who holds Key Vault Secrets Officer through main.bicep).
set -eu

vault="${AZURE_KEY_VAULT_NAME:?run through azd, which sets AZURE_KEY_VAULT_NAME from the deployment outputs}"
api_key_secrets=$(printf '%s' "${PF_API_KEY_SECRET_NAMES:-[]}" | tr -d '[]" ' | tr ',' ' ')
model_key_secrets=$(printf '%s' "${PF_MODEL_KEY_SECRET_NAMES:-[]}" | tr -d '[]" ' | tr ',' ' ')

secret_exists() {
  az keyvault secret show --vault-name "$vault" --name "$1" --query id -o tsv >/dev/null 2>&1
}

# A new role assignment can take a minute to reach Key Vault's data plane; retry the first write.
set_secret() {
  attempt=1
  while ! az keyvault secret set --vault-name "$vault" --name "$1" --value "$2" --content-type "$3" -o none 2>/dev/null; do
    [ "$attempt" -ge 10 ] && { echo "postprovision: could not write secret $1 to $vault" >&2; return 1; }
    attempt=$((attempt + 1))
    sleep 15
  done
}

for secret in $api_key_secrets; do
  if secret_exists "$secret"; then continue; fi
  key="pf-$(openssl rand -hex 24)"
  digest=$(printf '%s' "$key" | openssl dgst -sha256 -r | cut -d' ' -f1)
  set_secret "$secret" "$digest" "sha256 of an API key"
  echo "postprovision: created API key for secret '$secret'. Store it now, it is not kept anywhere:"
  echo "    $key"
done

for secret in $model_key_secrets; do
  if ! secret_exists "$secret"; then
    echo "postprovision: model API key secret '$secret' is missing; set it with:"
    echo "    az keyvault secret set --vault-name $vault --name $secret --value <key>"
  fi
done
