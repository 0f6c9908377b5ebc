package classify

// SetAfterExamples makes Train call f between reading its examples and saving the model.
func (s *Service) SetAfterExamples(f func()) { s.afterExamples = f }
