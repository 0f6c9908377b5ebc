package model

import "time"

// AISettings is one user's classification choice.
type AISettings struct {
	UserID    string
	Provider  string // "local", "anthropic", "openai", "ollama", "lmstudio"
	Model     string
	APIKey    []byte // sealed; nil when none
	BaseURL   string
	UpdatedAt time.Time
}

// ClassifierModel is a space's trained local model (keyed by space id; a
// personal space's id is its user's, so models trained per user before
// spaces are their personal spaces' models).
type ClassifierModel struct {
	Data         []byte // empty: there was nothing to learn from
	ExampleCount int    // documents the topics were learned from
	TrainedAt    time.Time
	// CorrespondentModel and DocumentTypeModel classify into the space's correspondents and
	// document types (empty: none learned).
	CorrespondentModel, DocumentTypeModel []byte
	// Generation is the label generation the training read; Version grows with every save.
	Generation, Version int64
	// Stale says labels changed after the training read them (the space's generation is newer).
	Stale bool
}

// Classification states of a document.
const (
	ClassificationDone     = "done"
	ClassificationWaiting  = "waiting"
	ClassificationDeclined = "declined"
	ClassificationFailed   = "failed"
)

// Classification says whether classification ran on a document and what it proposed.
type Classification struct {
	State    string // ClassificationDone, ...
	Reason   string
	Provider string
	// ModelGeneration is the label generation of the local model that answered.
	ModelGeneration int64
	Candidates      []AITopic // best first
	// Proposals are the local model's answers for the correspondent, the document type and the date.
	Proposals []LabelProposal
	At        time.Time
}

// TrainingExample is a document a person filed under topics.
type TrainingExample struct {
	DocumentID string
	Text       string
	TopicIDs   []string
}

// AITopic is a classifier's assignment or candidate.
type AITopic struct {
	TopicID    string  `json:"topic_id"`
	Confidence float64 `json:"confidence"`
}

// TopicSuggestion is a new topic the classifier proposes.
type TopicSuggestion struct {
	Name        string
	Reason      string
	DocumentIDs []string
}
