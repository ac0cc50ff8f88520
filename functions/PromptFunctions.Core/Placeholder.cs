namespace PromptFunctions.Core;
